package dev.driftless.secrets.age;

import java.util.List;

/** One recipient stanza of an age header: its type, arguments and wrapped file key. */
record AgeStanza(String type, List<String> args, byte[] body) {

    AgeStanza {
        args = List.copyOf(args);
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
