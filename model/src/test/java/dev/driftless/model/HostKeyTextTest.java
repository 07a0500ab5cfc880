package dev.driftless.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostKeyTextTest {

    static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKHZxv0iWjUe0pI9/mv5njgSfQre4KaA344gqcY7s/Ht";
    static final String RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4Uq5bO25ZaEYwLDZXTw4aoa0s2mY5HyaUdlUC0PJpV4WL2VYD325vPxnig"
        + "crxkKVMYnD6ocy8qhR+u89h21oAVsXhDIF/s+/QaZGq7avNrBEI2s0Gka67ktPJUurfZQ1S2sl9o4+TyGbxQjhm0BuPeXIe22uybfd6q5RbISfFIw==";

    @Test
    void aKeyPinIsKeptWithoutItsComment() {
        assertThat(HostKeyText.normalise(ED25519 + " root@app-1").value()).contains(ED25519);
        assertThat(HostKeyText.normalise(RSA).value()).contains(RSA);
    }

    @Test
    void aKeyWhoseDataIsAnotherTypeIsRefused() {
        String mislabelled = "ssh-ed25519 " + RSA.substring("ssh-rsa ".length());
        assertThat(HostKeyText.normalise(mislabelled).reason()).isEqualTo(
            "the host key's data is not an ssh-ed25519 key (was it pasted whole?)");
    }

    @Test
    void aKnownHostsLineIsRecognisedAndExplained() {
        assertThat(HostKeyText.normalise("app-1 " + ED25519).reason()).isEqualTo(
            "remove \"app-1\" in front: a host key starts with its type, e.g. \"ssh-ed25519 AAAA...\"");
    }

    @Test
    void garbageIsRefused() {
        assertThat(HostKeyText.normalise("AAAAC3NzaC1lZDI1NTE5").value()).isEmpty();
        assertThat(HostKeyText.normalise("ssh-dss AAAA").reason()).startsWith("unknown host key type \"ssh-dss\"");
        assertThat(HostKeyText.normalise("ssh-ed25519 !!!").reason()).isEqualTo("the host key's second part is not base64");
        assertThat(HostKeyText.normalise("ssh-ed25519 AAAA").value()).isEmpty();
    }
}
