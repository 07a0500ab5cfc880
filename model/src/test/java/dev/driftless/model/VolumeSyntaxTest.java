package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VolumeSyntaxTest {

    @Test
    void namedVolumesAndBindMountsRead() {
        assertThat(VolumeSyntax.parse("pgdata:/var/lib/postgresql/data").value())
            .contains(new VolumeMount("pgdata", "/var/lib/postgresql/data", false));
        assertThat(VolumeSyntax.parse("/srv/conf:/etc/app:ro").value()).contains(new VolumeMount("/srv/conf", "/etc/app", true));
        assertThat(VolumeSyntax.parse("/srv/conf:/etc/app:rw").value()).contains(new VolumeMount("/srv/conf", "/etc/app", false));
        assertThat(new VolumeMount("pgdata", "/data", false).named()).isTrue();
        assertThat(new VolumeMount("/srv", "/data", true)).hasToString("/srv:/data:ro");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "data|write source:target[:ro], e.g. \"pgdata:/data\" or \"/srv/config:/etc/app:ro\"",
        "./data:/data|source \"./data\" must be an absolute host path or a volume name; relative paths are not supported",
        "pg data:/data|volume name \"pg data\" may use letters, digits, '_', '.' and '-', starting with a letter or digit",
        "pgdata:data|target \"data\" must be an absolute path inside the container",
        "pgdata:/data:rx|unknown volume mode \"rx\"; use ro or rw",
        "/srv/../etc:/data|source \"/srv/../etc\" must not contain \".\" or \"..\"",
        "pgdata:/a,b|target \"/a,b\" must not contain ',', ':' or control characters"})
    void malformedVolumesSayWhy(String text, String reason) {
        Parsed<VolumeMount> parsed = VolumeSyntax.parse(text);
        assertThat(parsed.value()).isEmpty();
        assertThat(parsed.reason()).isEqualTo(reason);
    }
}
