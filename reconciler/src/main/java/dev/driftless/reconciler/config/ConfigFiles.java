package dev.driftless.reconciler.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the small secret files the configuration points at (passphrases, passwords). */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /** The first line of {@code file}, without its line end; the message never holds the content. */
    static String readSecretLine(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.indexOf('\n');
            String line = end < 0 ? text : text.substring(0, end);
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getClass().getSimpleName(), e);
        }
    }
}
