package dev.driftless.secrets;

import dev.driftless.secrets.format.DotenvFormat;
import dev.driftless.secrets.format.FormatException;
import dev.driftless.secrets.format.IniFormat;
import dev.driftless.secrets.format.JsonFormat;
import dev.driftless.secrets.format.YamlReader;
import dev.driftless.secrets.format.YamlWriter;
import dev.driftless.secrets.tree.Document;
import dev.driftless.secrets.tree.Node;
import java.util.Locale;
import java.util.Optional;

/** The file formats sops (and driftless) store secrets in, chosen by extension unless given. */
public enum Format {
    YAML, JSON, DOTENV, INI;

    /** The format for a file name: .yaml/.yml, .json, .env, .ini; empty for anything else. */
    public static Optional<Format> fromFileName(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return Optional.of(YAML);
        }
        if (name.endsWith(".json")) {
            return Optional.of(JSON);
        }
        if (name.endsWith(".env") || name.equals("env") || name.endsWith("/.env")) {
            return Optional.of(DOTENV);
        }
        if (name.endsWith(".ini")) {
            return Optional.of(INI);
        }
        return Optional.empty();
    }

    /** Parses {@code yaml}, {@code json}, {@code dotenv} or {@code ini} (sops's --input-type names). */
    public static Format parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "yaml", "yml" -> YAML;
            case "json" -> JSON;
            case "dotenv", "env" -> DOTENV;
            case "ini" -> INI;
            default -> throw new IllegalArgumentException("unknown format '" + name + "' (yaml, json, dotenv or ini)");
        };
    }

    /** The format of {@code fileName}, YAML when the extension says nothing (as sops defaults). */
    public static Format forFile(String fileName) {
        return fromFileName(fileName).orElse(YAML);
    }

    Document read(String text, String fileName) {
        try {
            return switch (this) {
                case YAML -> YamlReader.read(text, fileName);
                case JSON -> JsonFormat.read(text, fileName);
                case DOTENV -> DotenvFormat.read(text, fileName);
                case INI -> IniFormat.read(text, fileName);
            };
        } catch (FormatException e) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_FORMAT, stripName(e.getMessage(), fileName));
        }
    }

    String write(Document document, String fileName) {
        try {
            return switch (this) {
                case YAML -> YamlWriter.write(document);
                case JSON -> JsonFormat.write(document);
                case DOTENV -> DotenvFormat.write(document);
                case INI -> IniFormat.write(document);
            };
        } catch (FormatException e) {
            throw new SopsException(fileName, SopsException.Reason.INVALID_FORMAT, e.getMessage());
        }
    }

    String writeValue(Node value) {
        return switch (this) {
            case JSON -> JsonFormat.writeValue(value);
            default -> YamlWriter.writeValue(value);
        };
    }

    /** Whether sops keeps metadata flattened into {@code sops_…} keys (dotenv) or a section (INI). */
    boolean flatMetadata() {
        return this == DOTENV || this == INI;
    }

    private static String stripName(String message, String fileName) {
        String prefix = fileName + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
