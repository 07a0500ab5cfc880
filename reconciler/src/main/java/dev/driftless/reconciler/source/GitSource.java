package dev.driftless.reconciler.source;

import dev.driftless.reconciler.lock.ProcessLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of the flow: follows one branch of the infrastructure repository and yields the
 * revision to reconcile. Keeps a bare clone of that branch in the cache directory, checks the
 * remote head cheaply (ls-remote) on each {@link #poll()}, fetches only when it moved, and refuses
 * a force-pushed branch unless the settings allow it, keeping the previous revision current.
 *
 * <p>The tree of a revision is read straight from {@link #repository()} (no checkout), in
 * {@link #subdirectory()}. One instance per source; {@link #poll()} is serialised.
 */
public final class GitSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GitSource.class);

    /** Where the last fetched head is kept; the branch ref itself holds the accepted head. */
    static final String FETCHED_REF = "refs/driftless/fetched";

    private final GitSourceSettings settings;
    private final RepoUrl url;
    private final String branchRef;
    private final Path cachePath;
    private final Repository repository;
    private final Optional<SshAccess> ssh;
    private final Optional<HttpsAccess> https;
    private final Optional<TokenCredentials> token;

    private GitSource(GitSourceSettings settings, RepoUrl url, Path cachePath, Repository repository,
                      Optional<SshAccess> ssh, Optional<HttpsAccess> https, Optional<TokenCredentials> token) {
        this.settings = settings;
        this.url = url;
        this.branchRef = Constants.R_HEADS + settings.branch();
        this.cachePath = cachePath;
        this.repository = repository;
        this.ssh = ssh;
        this.https = https;
        this.token = token;
    }

    /**
     * Checks the settings (URL, key, known_hosts, token, CA file) and opens or creates the cache.
     * Does not touch the network: the first {@link #poll()} clones.
     */
    public static GitSource open(GitSourceSettings settings) throws GitSourceException {
        return open(settings, name -> Optional.ofNullable(System.getenv(name)));
    }

    /** As {@link #open(GitSourceSettings)}, reading environment variables through {@code env}. */
    static GitSource open(GitSourceSettings settings, Function<String, Optional<String>> env)
            throws GitSourceException {
        RepoUrl url = RepoUrl.parse(settings.url());
        checkCredentialsFit(settings, url);
        Path cachePath = settings.cacheDir().toAbsolutePath().normalize().resolve(cacheName(url, settings.branch()));
        Optional<TokenCredentials> token = tokenCredentials(settings, url, env);
        if (token.isPresent()) {
            token.get().check();
        }
        Optional<SshAccess> ssh = Optional.empty();
        Optional<HttpsAccess> https = Optional.empty();
        switch (url.kind()) {
            case SSH -> ssh = Optional.of(SshAccess.create(settings.sshKey().orElseThrow(),
                settings.knownHosts().orElseThrow(), settings.revokedHostKeys(),
                cachePath.resolveSibling(".ssh-home-unused"), settings.jump()));
            case HTTPS, HTTP -> https = Optional.of(HttpsAccess.create(settings.caFile(), token));
            case LOCAL -> { }
        }
        Repository repository;
        try {
            repository = Files.exists(cachePath) ? openCache(cachePath, url, settings.branch())
                : createCache(cachePath, url, settings);
        } catch (GitSourceException e) {
            ssh.ifPresent(SshAccess::close);
            throw e;
        }
        return new GitSource(settings, url, cachePath, repository, ssh, https, token);
    }

    /**
     * Asks the remote for the branch head; fetches if it is not the head fetched last time; accepts
     * the fetched head if it descends from the accepted one (or force-pushes are allowed).
     *
     * @throws GitSourceException with a {@link SourceFailure}; after a failure {@link #current()} is
     *                            still the last accepted revision
     */
    public synchronized PollResult poll() throws GitSourceException {
        ObjectId remoteHead = remoteHead();
        try (ProcessLock lock = lockCache(cachePath, settings.timeout())) {
            return pollLocked(remoteHead);
        }
    }

    /** The cache's lock file, beside it: one process fetches into or accepts in a cache at a time. */
    static Path lockFile(Path cachePath) {
        return cachePath.resolveSibling(cachePath.getFileName() + ".lock");
    }

    /**
     * Takes the cache for this process: the daemon and {@code driftless plan} (which shares the
     * daemon's cache when given its configuration) never fetch into or accept in it at once. Waits
     * for a fetch of another process, at most {@link #cacheLockWait(Duration)}.
     */
    private static ProcessLock lockCache(Path cachePath, Duration timeout) throws GitSourceException {
        Duration wait = cacheLockWait(timeout);
        try {
            return ProcessLock.acquire(lockFile(cachePath), "git fetch into " + cachePath.getFileName(), wait,
                Clock.systemUTC());
        } catch (ProcessLock.LockTimeoutException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(cachePath, "in use by " + e.holder()
                + " for longer than " + wait.toSeconds() + " s"), e);
        } catch (IOException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(cachePath, "cannot lock "
                + lockFile(cachePath) + ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitSourceException(new SourceFailure.CacheFailure(cachePath,
                "interrupted while waiting for another process's fetch"), e);
        }
    }

    /** How long a poll waits for another process's fetch: four network timeouts, at least two minutes. */
    static Duration cacheLockWait(Duration timeout) {
        Duration four = timeout.multipliedBy(4);
        return four.compareTo(Duration.ofMinutes(2)) < 0 ? Duration.ofMinutes(2) : four;
    }

    private PollResult pollLocked(ObjectId remoteHead) throws GitSourceException {
        Optional<ObjectId> fetched = ref(FETCHED_REF);
        Optional<ObjectId> accepted = ref(branchRef);
        boolean didFetch = false;
        if (fetched.isEmpty() || !fetched.get().equals(remoteHead) || !hasObject(remoteHead)) {
            fetch();
            didFetch = true;
            fetched = ref(FETCHED_REF);
            if (fetched.isEmpty()) {
                throw new GitSourceException(new SourceFailure.BranchMissing(url.display(), settings.branch()));
            }
        }
        ObjectId candidate = fetched.get();
        if (accepted.isPresent() && accepted.get().equals(candidate)) {
            return new PollResult(Revisions.read(repository, candidate), accepted, false, didFetch, false);
        }
        boolean fastForward = accepted.isEmpty() || isAncestor(accepted.get(), candidate);
        if (!fastForward && !settings.allowForcePush()) {
            throw new GitSourceException(new SourceFailure.ForcePushRefused(url.display(), settings.branch(),
                accepted.get().name(), candidate.name()));
        }
        accept(accepted, candidate, !fastForward);
        SourceRevision revision = Revisions.read(repository, candidate);
        if (accepted.isEmpty()) {
            LOG.info("git source {} branch {}: cloned at {} ({})", url, settings.branch(), revision.shortSha(),
                revision.message());
        } else if (fastForward) {
            LOG.info("git source {} branch {}: {} -> {} ({})", url, settings.branch(),
                accepted.get().abbreviate(7).name(), revision.shortSha(), revision.message());
        } else {
            LOG.warn("git source {} branch {} was force-pushed: {} -> {} ({}); accepted because force-pushes are"
                + " allowed", url, settings.branch(), accepted.get().name(), revision.sha(), revision.message());
        }
        return new PollResult(revision, accepted, true, didFetch, !fastForward);
    }

    /** The last accepted revision, also after a restart or a failed poll; empty before the first clone. */
    public synchronized Optional<SourceRevision> current() throws GitSourceException {
        Optional<ObjectId> accepted = ref(branchRef);
        return accepted.isEmpty() ? Optional.empty() : Optional.of(Revisions.read(repository, accepted.get()));
    }

    /**
     * Resolves a revision name (full or abbreviated sha, or the branch) against the cached clone;
     * only commits fetched so far are known.
     */
    public SourceRevision resolve(String rev) throws GitSourceException {
        return Revisions.resolve(repository, rev, url.display());
    }

    /**
     * The bare clone, to read trees of revisions from (e.g. {@code GitTree(repository, commit,
     * subdirectory)}). Owned by this source: do not close it.
     */
    public Repository repository() {
        return repository;
    }

    /** The environment's directory inside the repository, "" for the root. */
    public String subdirectory() {
        return settings.subdirectoryOrRoot();
    }

    public GitSourceSettings settings() {
        return settings;
    }

    /** The repository URL as messages show it (no credentials). */
    public RepoUrl url() {
        return url;
    }

    /** The directory of the bare clone. */
    public Path cachePath() {
        return cachePath;
    }

    @Override
    public void close() {
        repository.close();
        ssh.ifPresent(SshAccess::close);
    }

    @Override
    public String toString() {
        return "GitSource[" + url + " " + settings.branch() + "]";
    }

    // --- remote operations -------------------------------------------------------------------

    @FunctionalInterface
    private interface RemoteOperation<T> {
        T run(Transport transport) throws Exception;
    }

    private ObjectId remoteHead() throws GitSourceException {
        // ls-remote is small: the whole of it, handshake included, must fit in the timeout.
        Optional<ObjectId> head = remote(true, transport -> {
            try (FetchConnection connection = transport.openFetch(List.of(new RefSpec(branchRef)))) {
                Ref ref = connection.getRef(branchRef);
                return Optional.ofNullable(ref).map(Ref::getObjectId);
            }
        });
        return head.orElseThrow(() ->
            new GitSourceException(new SourceFailure.BranchMissing(url.display(), settings.branch())));
    }

    private void fetch() throws GitSourceException {
        // A fetch may take long on a big first clone; JGit's read timeout bounds each stall.
        remote(false, transport -> transport.fetch(NullProgressMonitor.INSTANCE,
            List.of(new RefSpec("+" + branchRef + ":" + FETCHED_REF))));
        try {
            // JGit's fetch leaves a pack per fetch; let it repack when they pile up (git's gc.auto).
            repository.autoGC(NullProgressMonitor.INSTANCE);
        } catch (RuntimeException e) {
            LOG.warn("git source cache {}: automatic gc failed: {}", cachePath, e.getMessage());
        }
    }

    private <T> T remote(boolean bounded, RemoteOperation<T> operation) throws GitSourceException {
        ssh.ifPresent(s -> s.hostKeys().clearRefusal());
        OperationDeadline deadline = bounded ? OperationDeadline.start(settings.timeout()) : null;
        try (Transport transport = Transport.open(repository, url.uri())) {
            configure(transport);
            return operation.run(transport);
        } catch (Exception e) {
            boolean expired = deadline != null && deadline.expired();
            if (e instanceof InterruptedException && !expired) {
                Thread.currentThread().interrupt();
            }
            SourceFailure failure = expired
                ? new SourceFailure.Unreachable(url.display(), "no answer within " + settings.timeout().toSeconds() + "s")
                : TransportFailures.classify(e, new TransportFailures.Attempt(url.display(), credentials(),
                    ssh.flatMap(s -> s.hostKeys().lastRefusal()), settings.knownHosts().orElse(Path.of("known_hosts")),
                    settings.caFile(), settings.timeout(), token.flatMap(TokenCredentials::currentToken)));
            LOG.debug("git source {}: {}", url, failure.message());
            throw new GitSourceException(failure, scrubbed(e));
        } finally {
            if (deadline != null) {
                deadline.close();
            }
        }
    }

    /** What this source authenticates with, for messages: names files and variables, never values. */
    private String credentials() {
        if (token.isPresent()) {
            return "the token from " + token.get().source();
        }
        if (settings.sshKey().isPresent()) {
            return "SSH key " + settings.sshKey().get() + url.user().map(u -> " for user " + u).orElse("");
        }
        return "anonymous access";
    }

    private void configure(Transport transport) {
        transport.setTimeout((int) Math.max(1, settings.timeout().toSeconds()));
        transport.setTagOpt(TagOpt.NO_TAGS);
        switch (transport) {
            case SshTransport t when ssh.isPresent() -> ssh.get().configure(t);
            case TransportHttp t when https.isPresent() -> https.get().configure(t);
            default -> { }
        }
    }

    /** The cause kept for stack traces, with its messages scrubbed of the token. */
    private Throwable scrubbed(Exception e) {
        Optional<String> secret = token.flatMap(TokenCredentials::currentToken);
        if (secret.isEmpty() || !contains(e, secret.get())) {
            return e;
        }
        return new IOException(TransportFailures.scrub(e.getMessage(), secret));
    }

    private static boolean contains(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(secret)) {
                return true;
            }
        }
        return false;
    }

    // --- the cache ---------------------------------------------------------------------------

    private Optional<ObjectId> ref(String name) throws GitSourceException {
        try {
            Ref ref = repository.exactRef(name);
            return ref == null || ref.getObjectId() == null ? Optional.empty() : Optional.of(ref.getObjectId());
        } catch (IOException e) {
            throw cacheFailure(e);
        }
    }

    private boolean hasObject(ObjectId id) throws GitSourceException {
        try {
            return repository.getObjectDatabase().has(id);
        } catch (IOException e) {
            throw cacheFailure(e);
        }
    }

    private boolean isAncestor(ObjectId ancestor, ObjectId descendant) throws GitSourceException {
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.isMergedInto(walk.parseCommit(ancestor), walk.parseCommit(descendant));
        } catch (IOException e) {
            throw cacheFailure(e);
        }
    }

    private void accept(Optional<ObjectId> previous, ObjectId next, boolean forced) throws GitSourceException {
        try {
            RefUpdate update = repository.updateRef(branchRef);
            update.setExpectedOldObjectId(previous.orElse(ObjectId.zeroId()));
            update.setNewObjectId(next);
            update.setForceUpdate(true);
            update.setRefLogMessage("driftless: accepted " + (forced ? "force-pushed " : "") + next.name()
                + " from " + url.display(), false);
            RefUpdate.Result result = update.update();
            switch (result) {
                case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> { }
                default -> throw new GitSourceException(new SourceFailure.CacheFailure(cachePath,
                    "could not move " + branchRef + " to " + next.name() + ": " + result));
            }
        } catch (IOException e) {
            throw cacheFailure(e);
        }
    }

    private GitSourceException cacheFailure(IOException e) {
        return new GitSourceException(new SourceFailure.CacheFailure(cachePath, e.getMessage()), e);
    }

    /**
     * Creates the cache under its lock, so that two processes opening a new cache at once do not
     * both initialise it. Opening an existing cache needs no lock: {@code driftless status} reads
     * while the daemon fetches.
     */
    private static Repository createCache(Path path, RepoUrl url, GitSourceSettings settings)
            throws GitSourceException {
        try (ProcessLock lock = lockCache(path, settings.timeout())) {
            return openCache(path, url, settings.branch());
        }
    }

    private static Repository openCache(Path path, RepoUrl url, String branch) throws GitSourceException {
        try {
            if (!Files.exists(path)) {
                Files.createDirectories(path.getParent());
                try (Git git = Git.init().setBare(true).setDirectory(path.toFile()).setInitialBranch(branch).call()) {
                    StoredConfig config = git.getRepository().getConfig();
                    // Keeps a reflog of accepted heads: history for humans, and it keeps replaced
                    // commits reachable for gc, so a rollback to them still works after a force-push.
                    config.setString(ConfigConstants.CONFIG_CORE_SECTION, null,
                        ConfigConstants.CONFIG_KEY_LOGALLREFUPDATES, "always");
                    config.setString("driftless", null, "url", url.display());
                    config.setString("driftless", null, "branch", branch);
                    config.save();
                }
            }
            Repository repository = new FileRepositoryBuilder().setGitDir(path.toFile()).setMustExist(true)
                .build();
            if (!repository.isBare()) {
                repository.close();
                throw new GitSourceException(new SourceFailure.CacheFailure(path, "not a bare git repository"));
            }
            return repository;
        } catch (IOException | GitAPIException e) {
            throw new GitSourceException(new SourceFailure.CacheFailure(path, e.getMessage()), e);
        }
    }

    /** {@code <repo-name>-<hash of URL and branch>.git}: readable, and distinct per URL and branch. */
    static String cacheName(RepoUrl url, String branch) {
        String path = url.uri().getPath() == null ? "repo" : url.uri().getPath();
        String last = path.replaceAll("/+$", "");
        last = last.substring(last.lastIndexOf('/') + 1).replaceAll("\\.git$", "");
        String slug = last.replaceAll("[^A-Za-z0-9._-]", "_");
        if (slug.isEmpty() || slug.startsWith(".")) {
            slug = "repo" + slug;
        }
        if (slug.length() > 40) {
            slug = slug.substring(0, 40);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((url.display() + "\n" + branch).getBytes(StandardCharsets.UTF_8));
            return slug + "-" + HexFormat.of().formatHex(digest, 0, 6) + ".git";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void checkCredentialsFit(GitSourceSettings s, RepoUrl url) throws GitSourceException {
        boolean tokenSet = s.tokenFile().isPresent() || s.tokenEnv().isPresent();
        switch (url.kind()) {
            case SSH -> {
                if (s.sshKey().isEmpty()) {
                    throw misconfigured(url + " is an SSH URL: set ssh-key to the deploy key's private key file");
                }
                if (s.knownHosts().isEmpty()) {
                    throw misconfigured(url + " is an SSH URL: set known-hosts to a known_hosts file that pins"
                        + " the server's host key (driftless never trusts a host key on first use)");
                }
                if (tokenSet || s.caFile().isPresent()) {
                    throw misconfigured("token and ca-file are for https URLs; " + url + " uses SSH");
                }
            }
            case HTTPS -> {
                if (s.sshKey().isPresent() || s.knownHosts().isPresent()) {
                    throw misconfigured("ssh-key and known-hosts are for SSH URLs; " + url + " uses HTTPS");
                }
            }
            case HTTP -> {
                if (tokenSet) {
                    throw misconfigured(url + " is plain http: a token would travel in clear text; use https");
                }
                if (s.sshKey().isPresent() || s.knownHosts().isPresent() || s.caFile().isPresent()) {
                    throw misconfigured("ssh-key, known-hosts and ca-file do not apply to " + url);
                }
            }
            case LOCAL -> {
                if (tokenSet || s.sshKey().isPresent() || s.knownHosts().isPresent() || s.caFile().isPresent()) {
                    throw misconfigured(url + " is a local path: ssh-key, known-hosts, token and ca-file do not apply");
                }
            }
        }
    }

    private static Optional<TokenCredentials> tokenCredentials(GitSourceSettings s, RepoUrl url,
                                                               Function<String, Optional<String>> env) {
        String user = url.user().orElse(TokenCredentials.DEFAULT_USER);
        if (s.tokenFile().isPresent()) {
            return Optional.of(TokenCredentials.fromFile(url.uri(), user, s.tokenFile().get()));
        }
        return s.tokenEnv().map(name -> TokenCredentials.fromEnvironment(url.uri(), user, name, env));
    }

    private static GitSourceException misconfigured(String detail) {
        return new GitSourceException(new SourceFailure.Misconfigured(detail));
    }
}
