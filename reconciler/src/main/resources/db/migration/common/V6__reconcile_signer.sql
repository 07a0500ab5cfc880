-- Who signed the commit a reconcile applied, as repo.verify checked it ("grace@example.org
-- (ED25519 key SHA256:…, allowed_signers:2)"); NULL when the daemon does not verify signatures.
ALTER TABLE reconcile ADD COLUMN signed_by VARCHAR(500);
