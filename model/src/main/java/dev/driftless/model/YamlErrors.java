package dev.driftless.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns SnakeYAML's scanner and parser errors into sentences an operator can act on. The
 * position comes from the exception; this only rewrites the words.
 */
final class YamlErrors {

    private static final Pattern CANNOT_START = Pattern.compile("found character '(.+?)' that cannot start any token.*");
    private static final Pattern BLOCK_END = Pattern.compile("expected <block end>, but found '?(.+?)'?");
    private static final Pattern UNDEFINED_ALIAS = Pattern.compile("found undefined alias (.+)");
    private static final Pattern DUPLICATE_ANCHOR = Pattern.compile("found duplicate anchor (\\S+).*", Pattern.DOTALL);

    private YamlErrors() {
    }

    static String explain(MarkedYAMLException e, String file) {
        String problem = e.getProblem() == null ? "" : e.getProblem().strip();
        String context = e.getContext() == null ? "" : e.getContext().strip();
        String opened = openedAt(e.getContextMark(), e.getProblemMark());
        if (problem.contains("\\t(TAB)") || problem.contains("tab character") || problem.contains("'\t'")) {
            return "tab character: YAML indentation must use spaces";
        }
        if (problem.startsWith("mapping values are not allowed here")) {
            return "unexpected ':' here: check the indentation, or quote a value that contains \": \"";
        }
        Matcher m = CANNOT_START.matcher(problem);
        if (m.matches()) {
            return "a value cannot start with '" + m.group(1) + "': put the value in quotes";
        }
        if (problem.startsWith("found unexpected end of stream") && context.contains("quoted scalar")) {
            return "unterminated quoted string" + opened;
        }
        if (problem.startsWith("expected ',' or ']'")) {
            return "unclosed list: expected ',' or ']'" + opened;
        }
        if (problem.startsWith("expected ',' or '}'")) {
            return "unclosed mapping: expected ',' or '}'" + opened;
        }
        m = BLOCK_END.matcher(problem);
        if (m.matches()) {
            return "unexpected " + token(m.group(1)) + " here: check the indentation of this line";
        }
        m = UNDEFINED_ALIAS.matcher(problem);
        if (m.matches()) {
            return "alias *" + m.group(1) + " refers to no anchor &" + m.group(1) + " defined before it";
        }
        m = DUPLICATE_ANCHOR.matcher(problem);
        if (m.matches()) {
            return "anchor &" + m.group(1).replace(";", "") + " is defined twice";
        }
        if (problem.startsWith("could not find expected ':'")) {
            return "expected \"key: value\" but found no ':'" + opened;
        }
        if (problem.startsWith("Expected mapping node or an anchor referencing mapping")) {
            return "'<<' merges mappings: its value must be a mapping or an alias of one";
        }
        if (problem.startsWith("Global tag is not allowed: ")) {
            String tag = problem.substring("Global tag is not allowed: ".length()).replace("tag:yaml.org,2002:", "!!");
            return "YAML tag " + tag + " is not supported here; remove it";
        }
        if (problem.startsWith("Number of aliases")) {
            return "too many aliases in one file";
        }
        if (problem.startsWith("found unknown escape character")) {
            return "unknown escape sequence in a double-quoted string: use single quotes or write \\\\";
        }
        String words = problem.isEmpty() ? context : problem;
        return "malformed YAML: " + words.replace(file, "") + opened;
    }

    private static String token(String found) {
        return switch (found) {
            case "-" -> "list item";
            case "<block mapping start>", "<block sequence start>" -> "indented block";
            case "<scalar>" -> "value";
            case "?" -> "key";
            case "<block end>" -> "end of block";
            default -> "'" + found + "'";
        };
    }

    private static String openedAt(Mark context, Mark problem) {
        if (context == null || (problem != null && context.getLine() == problem.getLine()
                && context.getColumn() == problem.getColumn())) {
            return "";
        }
        return " (opened at line " + (context.getLine() + 1) + ", column " + (context.getColumn() + 1) + ")";
    }
}
