package dev.driftless.reconciler.desired;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DirectoryTree;
import dev.driftless.model.Instance;
import dev.driftless.model.Problem;
import dev.driftless.secrets.KeyRing;
import dev.driftless.secrets.SecretValue;
import dev.driftless.secrets.SopsEncryptor;
import dev.driftless.secrets.age.AgeIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** source → model → secrets on the example infra repo and its published demo age key. */
class DesiredStateLoaderTest {

    private static final Path EXAMPLE = Path.of("../examples/infra-repo");
    private static final Path DEMO_KEY = Path.of("../examples/keys/demo-age.txt");
    private static final String DEMO_RECIPIENT = "age14895jprs2r86ltrdmdyx3rfp2l7kdvgegay6ylj0zq2ea5js0ftqw7ew9x";

    @TempDir
    Path tmp;

    private Path repo;

    @BeforeEach
    void copyTheExample() throws IOException {
        repo = dev.driftless.reconciler.TestFiles.copyTree(EXAMPLE, tmp.resolve("infra"));
    }

    private static DesiredStateLoader demoLoader() {
        return new DesiredStateLoader(KeyRing.builder().ageIdentityFile(DEMO_KEY).build());
    }

    private LoadedState load(DesiredStateLoader loader) {
        return loader.load(new DirectoryTree(repo), Optional.empty());
    }

    private LoadedState.Ready ready(DesiredStateLoader loader) {
        LoadedState s = load(loader);
        assertThat(s).isInstanceOf(LoadedState.Ready.class);
        return (LoadedState.Ready) s;
    }

    private static Map<String, String> fingerprints(LoadedState.Ready r) {
        return r.state().instances().stream().collect(Collectors.toMap(Instance::id, Instance::fingerprint));
    }

    @Test
    void theExampleRepoIsReadyWithItsSecretsDecrypted() {
        LoadedState.Ready r = ready(demoLoader());

        assertThat(r.state().environment()).isEqualTo("default");
        assertThat(r.state().services().keySet()).containsExactly("api", "store", "worker");
        assertThat(r.state().instances()).extracting(Instance::id).containsExactly(
            "api/app-1/1", "api/app-2/1", "store/db-1/1", "worker/app-1/1", "worker/app-2/1");
        assertThat(r.secrets().of("api").keySet()).containsExactly("DB_PASSWORD");
        assertThat(r.secrets().of("api").get("DB_PASSWORD").reveal()).matches("[A-Za-z0-9]{24}");
        assertThat(r.secrets().of("worker")).isEmpty();
        assertThat(r.secrets().of("no-such-service")).isEmpty();
    }

    @Test
    void instancesCarryTheSecretsFingerprintNeverItsValue() {
        LoadedState.Ready r = ready(demoLoader());
        SecretValue password = r.secrets().of("api").get("DB_PASSWORD");
        Instance api = r.state().instance("api/app-1/1").orElseThrow();

        assertThat(api.inputs().values()).containsEntry("secret.DB_PASSWORD", password.fingerprint());
        assertThat(password.fingerprint()).startsWith("sfp1:");
        assertThat(api.inputs().values().values()).noneMatch(v -> v.contains(password.reveal()));
        assertThat(r.state().digest()).doesNotContain(password.reveal());
    }

    @Test
    void aSecretFileIsDecryptedForApplyAndFingerprintedNeverShown() {
        LoadedState.Ready r = ready(demoLoader());
        SecretValue password = r.secrets().of("api").get("DB_PASSWORD");
        Instance api = r.state().instance("api/app-1/1").orElseThrow();

        assertThat(r.secrets().filesOf("api")).containsOnlyKeys("/run/secrets/db_password");
        assertThat(r.secrets().filesOf("api").get("/run/secrets/db_password").reveal()).isEqualTo(password.reveal());
        assertThat(r.secrets().filesOf("worker")).isEmpty();
        assertThat(api.inputs().values()).containsEntry("file./run/secrets/db_password",
            "secret " + password.fingerprint() + " 0400 0:0");
        assertThat(r.secrets().toString()).contains("api files=[/run/secrets/db_password]")
            .doesNotContain(password.reveal());
    }

    @Test
    void fingerprintsAreStableAcrossLoadersAndLoads() {
        Map<String, String> first = fingerprints(ready(demoLoader()));
        DesiredStateLoader loader = demoLoader();
        Map<String, String> second = fingerprints(ready(loader));
        Map<String, String> third = fingerprints(ready(loader));

        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(ready(loader).state().digest()).isEqualTo(ready(demoLoader()).state().digest());
    }

    @Test
    void aChangedSecretValueChangesOnlyTheFingerprintsOfTheServicesUsingIt() throws IOException {
        DesiredStateLoader loader = demoLoader();
        Map<String, String> before = fingerprints(ready(loader));
        Files.write(repo.resolve("secrets/shop.yaml"), SopsEncryptor.builder().ageRecipient(DEMO_RECIPIENT).build()
            .encrypt("secrets/shop.yaml", """
                db: {user: shop, password: a-rotated-password}
                api: {token: unchanged-token}
                """.getBytes(StandardCharsets.UTF_8)));

        Map<String, String> after = fingerprints(ready(loader));

        assertThat(after.get("api/app-1/1")).isNotEqualTo(before.get("api/app-1/1"));
        assertThat(after.get("api/app-2/1")).isNotEqualTo(before.get("api/app-2/1"));
        assertThat(after.get("store/db-1/1")).isEqualTo(before.get("store/db-1/1"));
        assertThat(after.get("worker/app-1/1")).isEqualTo(before.get("worker/app-1/1"));
    }

    @Test
    void reEncryptingTheSameValueKeepsTheFingerprints() throws IOException {
        LoadedState.Ready before = ready(demoLoader());
        String password = before.secrets().of("api").get("DB_PASSWORD").reveal();
        // sops updatekeys / rotate: new data key and ciphertext, same values.
        Files.write(repo.resolve("secrets/shop.yaml"), SopsEncryptor.builder().ageRecipient(DEMO_RECIPIENT).build()
            .encrypt("secrets/shop.yaml", ("db: {user: shop, password: " + password + "}\napi: {token: t}\n")
                .getBytes(StandardCharsets.UTF_8)));

        assertThat(fingerprints(ready(demoLoader()))).isEqualTo(fingerprints(before));
    }

    @Test
    void aKeyThatCannotDecryptMakesTheRevisionInvalidNamingTheFile() {
        AgeIdentity stranger = AgeIdentity.generate(new SecureRandom());
        DesiredStateLoader loader = new DesiredStateLoader(KeyRing.builder().ageIdentity(stranger.encode()).build());

        LoadedState s = load(loader);

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).singleElement().satisfies(p -> {
                assertThat(p.file()).isEqualTo("secrets/shop.yaml");
                assertThat(p.toString()).isEqualTo("secrets/shop.yaml:0:0: no key in the key ring can decrypt the "
                    + "data key; the file is encrypted to age " + DEMO_RECIPIENT + "; the key ring has age "
                    + stranger.recipient());
            }));
    }

    @Test
    void noKeyAtAllMakesTheRevisionInvalidNamingTheFileAndWhereKeysComeFrom() {
        LoadedState s = load(new DesiredStateLoader(KeyRing.empty()));

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly("secrets/shop.yaml:0:0: no key "
                + "in the key ring can decrypt the data key; the file is encrypted to age " + DEMO_RECIPIENT
                + "; the key ring has no keys (set SOPS_AGE_KEY_FILE, SOPS_AGE_KEY or DRIFTLESS_PGP_KEY_FILE, "
                + "or pass --age-key/--pgp-key)"));
    }

    @Test
    void aTamperedSecretsFileMakesTheRevisionInvalid() throws IOException {
        Path file = repo.resolve("secrets/shop.yaml");
        String text = Files.readString(file);
        // Swap the encrypted values of two keys: every part decrypts, but the MAC no longer matches.
        String user = text.lines().filter(l -> l.strip().startsWith("user:")).findFirst().orElseThrow();
        String token = text.lines().filter(l -> l.strip().startsWith("token:")).findFirst().orElseThrow();
        Files.writeString(file, text.replace(user, "    user: " + token.strip().substring("token: ".length()))
            .replace(token, "    token: " + user.strip().substring("user: ".length())));

        LoadedState s = load(demoLoader());

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly("secrets/shop.yaml:0:0: value "
                + "at db:user failed authentication: it was modified, moved from another key, or encrypted with "
                + "another data key"));
    }

    @Test
    void anInvalidRepoIsInvalidWithEveryProblemAtItsLineAndNothingIsDecrypted() throws IOException {
        Files.writeString(repo.resolve("services/worker.yaml"), "imgae: registry:5000/shop/worker:1.0.0\n"
            + "placement: {selector: {role: app}}\n");

        LoadedState s = load(new DesiredStateLoader(KeyRing.empty()));

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly(
                "services/worker.yaml:1:1: unknown field \"imgae\" (did you mean \"image\"?)"));
    }

    @Test
    void aSecretReferenceToAKeyTheFileLacksIsAProblemAtTheService() throws IOException {
        Files.writeString(repo.resolve("services/api.yaml"),
            Files.readString(repo.resolve("services/api.yaml")).replace("#db.password", "#db.pasword"));

        LoadedState s = load(demoLoader());

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly("services/api.yaml:19:16: "
                + "secrets.DB_PASSWORD: secrets/shop.yaml has no key db.pasword (did you mean \"db.password\"?)",
                "services/api.yaml:26:48: files[1].secret: secrets/shop.yaml has no key db.pasword (did you mean"
                    + " \"db.password\"?)"));
    }

    @Test
    void serviceSecretsNeverShowTheirValues() {
        LoadedState.Ready r = ready(demoLoader());
        String password = r.secrets().of("api").get("DB_PASSWORD").reveal();

        assertThat(r.secrets().toString()).isEqualTo("ServiceSecrets[api=[DB_PASSWORD] api files=[/run/secrets/db_password]]");
        assertThat(r.secrets().of("api").toString()).doesNotContain(password);
        assertThat(r.toString()).doesNotContain(password);
        assertThat(ServiceSecrets.none().toString()).isEqualTo("ServiceSecrets[]");
        assertThat(demoLoader().toString()).doesNotContain("AGE-SECRET-KEY");
    }

    @Test
    void registryPasswordsAreDecryptedForTheRegistryTheImagesComeFromAndNeverShown() throws IOException {
        Files.writeString(repo.resolve("hosts.yaml"), Files.readString(repo.resolve("hosts.yaml"))
            + "registries:\n  registry:5000: {username: ci-bot, password: secrets/shop.yaml#api.token}\n");
        LoadedState.Ready r = ready(demoLoader());
        String token = r.secrets().registryLoginFor("registry:5000/shop/api:1.0.0").orElseThrow().password().reveal();

        assertThat(token).isNotBlank();
        assertThat(r.secrets().registryLoginFor("registry:5000/shop/worker:1.0.0").map(RegistryCredential::username))
            .contains("ci-bot");
        assertThat(r.secrets().registryLoginFor("ghcr.io/acme/x:1")).isEmpty();
        assertThat(r.secrets().toString()).isEqualTo("ServiceSecrets[api=[DB_PASSWORD] api files=[/run/secrets/db_password] "
            + "RegistryCredential[ci-bot@registry:5000]]");
        assertThat(r.toString()).doesNotContain(token);
    }

    @Test
    void aRegistryPasswordMissingOnceDecryptedMakesTheRevisionInvalid() throws IOException {
        Files.writeString(repo.resolve("hosts.yaml"), Files.readString(repo.resolve("hosts.yaml"))
            + "registries:\n  registry:5000: {username: ci-bot, password: secrets/shop.yaml#api.token}\n");
        Files.write(repo.resolve("secrets/shop.yaml"), SopsEncryptor.builder().ageRecipient(DEMO_RECIPIENT).build()
            .encrypt("secrets/shop.yaml", "db: {user: shop, password: pw}\napi: {token: null}\n"
                .getBytes(StandardCharsets.UTF_8)));

        assertThat(load(demoLoader())).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly("hosts.yaml:20:47: "
                + "registries.registry:5000.password: secrets/shop.yaml#api.token has no value at api.token once decrypted"));
    }

    @Test
    void serviceSecretsCannotBeChanged() {
        LoadedState.Ready r = ready(demoLoader());

        assertThat(r.secrets().of("api")).isUnmodifiable();
    }

    @Test
    void aMissingSecretsFileIsAProblemAtTheServiceThatNeedsIt() throws IOException {
        Files.delete(repo.resolve("secrets/shop.yaml"));

        LoadedState s = load(demoLoader());

        assertThat(s).isInstanceOfSatisfying(LoadedState.Invalid.class, invalid ->
            assertThat(invalid.problems()).extracting(Problem::toString).containsExactly(
                "services/api.yaml:19:16: secrets.DB_PASSWORD: secrets/shop.yaml does not exist",
                "services/api.yaml:26:48: files[1].secret: secrets/shop.yaml does not exist"));
    }

    @Test
    void environmentsSelectTheirOwnInventory() throws IOException {
        List<Path> top = List.of(repo.resolve("hosts.yaml"));
        Path prod = Files.createDirectories(repo.resolve("environments/prod"));
        Files.move(top.get(0), prod.resolve("hosts.yaml"));
        Files.createDirectories(repo.resolve("environments/staging"));
        Files.writeString(repo.resolve("environments/staging/hosts.yaml"), """
            defaults: {user: deploy}
            hosts:
              app-1: {address: 10.9.0.11, labels: {role: app}}
              db-1: {address: 10.9.0.21, labels: {role: db}}
            """);

        LoadedState.Ready staging = (LoadedState.Ready) demoLoader().load(new DirectoryTree(repo), Optional.of("staging"));
        LoadedState.Ready production = (LoadedState.Ready) demoLoader().load(new DirectoryTree(repo), Optional.of("prod"));

        assertThat(staging.state().environment()).isEqualTo("staging");
        assertThat(staging.state().instances()).extracting(Instance::id)
            .containsExactly("api/app-1/1", "store/db-1/1", "worker/app-1/1");
        assertThat(production.state().instances()).hasSize(5);
        assertThat(staging.secrets().of("api").get("DB_PASSWORD").reveal())
            .isEqualTo(production.secrets().of("api").get("DB_PASSWORD").reveal());
    }
}
