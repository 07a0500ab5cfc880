package dev.driftless.secrets;

import dev.driftless.secrets.pgp.PgpRecipient;
import java.util.List;

/** The recipients of one key group when encrypting: any one of them recovers the group's part. */
public record RecipientGroup(List<String> ageRecipients, List<PgpRecipient> pgpRecipients) {

    public RecipientGroup {
        ageRecipients = List.copyOf(ageRecipients);
        pgpRecipients = List.copyOf(pgpRecipients);
        if (ageRecipients.isEmpty() && pgpRecipients.isEmpty()) {
            throw new IllegalArgumentException("a key group needs at least one recipient");
        }
    }
}
