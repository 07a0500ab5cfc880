#!/usr/bin/env python3
"""Serves git repositories over HTTPS for GitSourceHttpsIT: `git http-backend` as CGI behind a small
TLS server that demands HTTP Basic auth with a token as password (any user name), like the token
auth of git hosting services.

usage: git-https-server.py ROOT PORT TOKEN_FILE CERT KEY REQUEST_LOG

Every request is appended to REQUEST_LOG as "METHOD PATH STATUS COMMAND", COMMAND being what an
upload-pack POST asks for (ls-refs or fetch), so the test can tell a ref check from a fetch.
"""
import base64
import gzip
import hmac
import os
import ssl
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT, PORT, TOKEN_FILE, CERT, KEY, LOG = sys.argv[1:7]


class GitHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def record(self, status, body=b""):
        data = body
        if body and self.headers.get("Content-Encoding", "") == "gzip":
            data = gzip.decompress(body)
        command = "-"
        if b"command=ls-refs" in data:
            command = "ls-refs"
        elif b"command=fetch" in data or b"want " in data:
            command = "fetch"
        with open(LOG, "a") as log:
            log.write(f"{self.command} {self.path} {status} {command}\n")

    def authorised_user(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        with open(TOKEN_FILE) as f:
            expected = f.read().strip()
        return user if hmac.compare_digest(password.encode(), expected.encode()) else None

    def serve(self):
        body = self.read_body()
        user = self.authorised_user()
        if user is None:
            self.record(401, body)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": self.client_address[0],
        }
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        sep = out.find(b"\r\n\r\n")
        head, rest = (out[:sep], out[sep + 4:]) if sep >= 0 else out.split(b"\n\n", 1)
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.record(status, body)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)


server = ThreadingHTTPServer(("0.0.0.0", int(PORT)), GitHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
