package dev.driftless.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes an instance's {@link FingerprintInputs} from its service: everything that changes
 * what runs (image, command, environment, secret fingerprints, ports, volumes, files (content
 * hashes or secret fingerprints, mode and owner), resources, restart policy, logging, stop signal
 * and grace period, labels,
 * runtime, user) and nothing that only changes where or how it is rolled out (placement, health,
 * rollout, after, source). The key set is part of the format's contract:
 * changing a key redeploys every instance, so keys are only ever added.
 */
final class Fingerprinter {

    private Fingerprinter() {
    }

    static FingerprintInputs inputs(Service service, SecretFingerprints secrets) {
        TreeMap<String, String> in = new TreeMap<>();
        in.put("runtime", service.runtime().text());
        service.image().ifPresent(image -> in.put("image", image));
        if (!service.command().isEmpty()) {
            in.put("command", argv(service.command()));
        }
        if (!service.args().isEmpty()) {
            in.put("args", argv(service.args()));
        }
        service.env().forEach((k, v) -> in.put("env." + k, envHash(v)));
        service.secrets().forEach((k, ref) -> in.put("secret." + k, secrets.of(ref)));
        Map<String, List<String>> ports = new TreeMap<>();
        for (PortMapping p : service.ports()) {
            String ip = p.hostIp().map(a -> a.contains(":") ? "[" + a + "]" : a).orElse("0.0.0.0");
            ports.computeIfAbsent("port." + p.containerKey(), k -> new java.util.ArrayList<>())
                .add(ip + ":" + (p.ephemeral() ? "*" : String.valueOf(p.hostPort())));
        }
        ports.forEach((k, v) -> in.put(k, String.join(",", v.stream().sorted().toList())));
        for (VolumeMount v : service.volumes()) {
            in.put("volume." + v.target(), v.source() + ":" + (v.readOnly() ? "ro" : "rw"));
        }
        for (ServiceFile f : service.files()) {
            String content = switch (f.content()) {
                case ServiceFile.Plain p -> p.hash();
                case ServiceFile.Secret s -> "secret " + secrets.of(s.ref());
            };
            in.put("file." + f.target(), content + " " + f.modeText() + " " + f.uid() + ":" + f.gid());
            if (!f.checked()) {
                // Only when not the default, so that the fingerprints of files checked as before stay.
                // An input of its own: the instance's checksum list is written when it is made.
                in.put("drift." + f.target(), f.drift().text());
            }
        }
        Resources r = service.resources();
        r.memoryBytes().ifPresent(m -> in.put("resources.memory", Long.toString(m)));
        r.cpus().ifPresent(c -> in.put("resources.cpus", BigDecimal.valueOf(c).stripTrailingZeros().toPlainString()));
        r.nofile().ifPresent(n -> in.put("resources.nofile", Long.toString(n)));
        in.put("restart", service.restart().text());
        service.logging().ifPresent(l -> {
            l.driver().ifPresent(d -> in.put("logging.driver", d));
            // Hashed like env values: an option can carry a credential (splunk-token, a loki URL).
            l.options().forEach((k, v) -> in.put("logging.option." + k, envHash(v)));
        });
        // Only when set, so that services which leave them out keep the fingerprints they had.
        service.stop().signal().ifPresent(sig -> in.put(Stop.SIGNAL_INPUT, sig));
        service.stop().gracePeriod().ifPresent(g -> in.put(Stop.GRACE_PERIOD_INPUT, DurationText.format(g)));
        // One network is written as it always was, so adding a second changes only this input.
        if (!service.networks().isEmpty()) {
            in.put("network", String.join(",", service.networks()));
        }
        service.user().ifPresent(u -> in.put("user", u));
        service.labels().forEach((k, v) -> in.put("label." + k, v));
        return new FingerprintInputs(in);
    }

    /** The first 16 hex digits of the value's SHA-256: shows that a value changed, not what it is. */
    static String envHash(String value) {
        return "sha256:" + FingerprintInputs.sha256Hex(value).substring(0, 16);
    }

    /** A JSON array of strings: unambiguous for arguments with spaces or quotes. */
    private static String argv(List<String> argv) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < argv.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(FingerprintInputs.jsonString(argv.get(i)));
        }
        return out.append(']').toString();
    }
}
