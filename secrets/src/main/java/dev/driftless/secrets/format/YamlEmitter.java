package dev.driftless.secrets.format;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A port of the block and flow emitter of go-yaml v3 (itself a port of libyaml), the subset sops
 * output needs: no anchors, aliases or directives. sops prints YAML through this emitter, and its
 * indentation, quoting and comment placement rules are intricate, so they are reproduced rule for
 * rule rather than approximated. Works on Unicode code points where go-yaml works on UTF-8 bytes.
 */
final class YamlEmitter {

    enum Type { STREAM_START, STREAM_END, DOCUMENT_START, DOCUMENT_END, SEQUENCE_START, SEQUENCE_END,
        MAPPING_START, MAPPING_END, SCALAR }

    enum Style { ANY, PLAIN, SINGLE_QUOTED, DOUBLE_QUOTED, LITERAL, FOLDED }

    /** One emitter event; comments are the full text including {@code #}, lines joined by LF. */
    static final class Event {
        final Type type;
        String value = "";
        String tag = "";
        boolean implicit = true;
        Style style = Style.ANY;
        boolean flow;
        String head = "";
        String line = "";
        String foot = "";
        String tail = "";

        Event(Type type) {
            this.type = type;
        }
    }

    private enum State {
        STREAM_START, FIRST_DOCUMENT_START, DOCUMENT_START, DOCUMENT_CONTENT, DOCUMENT_END,
        FLOW_SEQUENCE_FIRST_ITEM, FLOW_SEQUENCE_TRAIL_ITEM, FLOW_SEQUENCE_ITEM,
        FLOW_MAPPING_FIRST_KEY, FLOW_MAPPING_TRAIL_KEY, FLOW_MAPPING_KEY, FLOW_MAPPING_SIMPLE_VALUE,
        FLOW_MAPPING_VALUE, BLOCK_SEQUENCE_FIRST_ITEM, BLOCK_SEQUENCE_ITEM, BLOCK_MAPPING_FIRST_KEY,
        BLOCK_MAPPING_KEY, BLOCK_MAPPING_SIMPLE_VALUE, BLOCK_MAPPING_VALUE, END
    }

    private final StringBuilder out = new StringBuilder();
    private final int bestIndent;
    private final int bestWidth = Integer.MAX_VALUE;
    private List<Event> events;
    private int head;

    private State state = State.STREAM_START;
    private final Deque<State> states = new ArrayDeque<>();
    private final Deque<Integer> indents = new ArrayDeque<>();
    private int indent;
    private int flowLevel;
    private boolean rootContext;
    private boolean simpleKeyContext;
    private int column;
    private boolean whitespace;
    private boolean indention;
    private boolean openEnded;
    private int footIndent;

    private String headComment = "";
    private String lineComment = "";
    private String footComment = "";
    private String tailComment = "";
    private String keyLineComment = "";

    // analysis of the current event
    private String tagHandle = "";
    private String tagSuffix = "";
    private int[] scalar = new int[0];
    private boolean multiline;
    private boolean flowPlainAllowed;
    private boolean blockPlainAllowed;
    private boolean singleQuotedAllowed;
    private boolean blockAllowed;
    private Style scalarStyle;

    YamlEmitter(int bestIndent) {
        this.bestIndent = bestIndent < 2 || bestIndent > 9 ? 2 : bestIndent;
    }

    String emit(List<Event> all) {
        this.events = all;
        for (head = 0; head < all.size(); head++) {
            Event e = all.get(head);
            analyzeEvent(e);
            stateMachine(e);
        }
        return out.toString();
    }

    // ---- states ------------------------------------------------------------------------------

    private void stateMachine(Event e) {
        switch (state) {
            case STREAM_START -> streamStart(e);
            case FIRST_DOCUMENT_START -> documentStart(e, true);
            case DOCUMENT_START -> documentStart(e, false);
            case DOCUMENT_CONTENT -> documentContent(e);
            case DOCUMENT_END -> documentEnd(e);
            case FLOW_SEQUENCE_FIRST_ITEM -> flowSequenceItem(e, true, false);
            case FLOW_SEQUENCE_TRAIL_ITEM -> flowSequenceItem(e, false, true);
            case FLOW_SEQUENCE_ITEM -> flowSequenceItem(e, false, false);
            case FLOW_MAPPING_FIRST_KEY -> flowMappingKey(e, true, false);
            case FLOW_MAPPING_TRAIL_KEY -> flowMappingKey(e, false, true);
            case FLOW_MAPPING_KEY -> flowMappingKey(e, false, false);
            case FLOW_MAPPING_SIMPLE_VALUE -> flowMappingValue(e, true);
            case FLOW_MAPPING_VALUE -> flowMappingValue(e, false);
            case BLOCK_SEQUENCE_FIRST_ITEM -> blockSequenceItem(e, true);
            case BLOCK_SEQUENCE_ITEM -> blockSequenceItem(e, false);
            case BLOCK_MAPPING_FIRST_KEY -> blockMappingKey(e, true);
            case BLOCK_MAPPING_KEY -> blockMappingKey(e, false);
            case BLOCK_MAPPING_SIMPLE_VALUE -> blockMappingValue(e, true);
            case BLOCK_MAPPING_VALUE -> blockMappingValue(e, false);
            case END -> throw new IllegalStateException("expected nothing after STREAM-END");
        }
    }

    private void streamStart(Event e) {
        expect(e, Type.STREAM_START);
        indent = -1;
        column = 0;
        whitespace = true;
        indention = true;
        footIndent = -1;
        state = State.FIRST_DOCUMENT_START;
    }

    private void documentStart(Event e, boolean first) {
        if (e.type == Type.DOCUMENT_START) {
            boolean implicit = e.implicit && first;
            if (!implicit) {
                writeIndent();
                writeIndicator("---", true, false, false);
                writeIndent();
            }
            if (!headComment.isEmpty()) {
                processHeadComment();
                putBreak();
            }
            state = State.DOCUMENT_CONTENT;
            return;
        }
        if (e.type == Type.STREAM_END) {
            if (openEnded) {
                writeIndicator("...", true, false, false);
                writeIndent();
            }
            state = State.END;
            return;
        }
        throw new IllegalStateException("expected DOCUMENT-START or STREAM-END");
    }

    private void documentContent(Event e) {
        states.push(State.DOCUMENT_END);
        processHeadComment();
        emitNode(e, true, false, false, false);
        processLineComment();
        processFootComment();
    }

    private void documentEnd(Event e) {
        expect(e, Type.DOCUMENT_END);
        footIndent = 0;
        processFootComment();
        footIndent = -1;
        writeIndent();
        if (!e.implicit) {
            writeIndicator("...", true, false, false);
            writeIndent();
        }
        state = State.DOCUMENT_START;
    }

    private void flowSequenceItem(Event e, boolean first, boolean trail) {
        if (first) {
            writeIndicator("[", true, true, false);
            increaseIndent(true, false);
            flowLevel++;
        }
        if (e.type == Type.SEQUENCE_END) {
            flowLevel--;
            indent = indents.pop();
            if (column == 0) {
                writeIndent();
            }
            writeIndicator("]", false, false, false);
            processLineComment();
            processFootComment();
            state = states.pop();
            return;
        }
        if (!first && !trail) {
            writeIndicator(",", false, false, false);
        }
        processHeadComment();
        if (column == 0) {
            writeIndent();
        }
        if (column > bestWidth) {
            writeIndent();
        }
        boolean comments = !lineComment.isEmpty() || !footComment.isEmpty() || !tailComment.isEmpty();
        states.push(comments ? State.FLOW_SEQUENCE_TRAIL_ITEM : State.FLOW_SEQUENCE_ITEM);
        emitNode(e, false, true, false, false);
        if (!lineComment.isEmpty() || !footComment.isEmpty() || !tailComment.isEmpty()) {
            writeIndicator(",", false, false, false);
        }
        processLineComment();
        processFootComment();
    }

    private void flowMappingKey(Event e, boolean first, boolean trail) {
        if (first) {
            writeIndicator("{", true, true, false);
            increaseIndent(true, false);
            flowLevel++;
        }
        if (e.type == Type.MAPPING_END) {
            if ((!headComment.isEmpty() || !footComment.isEmpty() || !tailComment.isEmpty()) && !first && !trail) {
                writeIndicator(",", false, false, false);
            }
            processHeadComment();
            flowLevel--;
            indent = indents.pop();
            writeIndicator("}", false, false, false);
            processLineComment();
            processFootComment();
            state = states.pop();
            return;
        }
        if (!first && !trail) {
            writeIndicator(",", false, false, false);
        }
        processHeadComment();
        if (column == 0) {
            writeIndent();
        }
        if (column > bestWidth) {
            writeIndent();
        }
        if (checkSimpleKey()) {
            states.push(State.FLOW_MAPPING_SIMPLE_VALUE);
            emitNode(e, false, false, true, true);
            return;
        }
        writeIndicator("?", true, false, false);
        states.push(State.FLOW_MAPPING_VALUE);
        emitNode(e, false, false, true, false);
    }

    private void flowMappingValue(Event e, boolean simple) {
        if (simple) {
            writeIndicator(":", false, false, false);
        } else {
            if (column > bestWidth) {
                writeIndent();
            }
            writeIndicator(":", true, false, false);
        }
        boolean comments = !lineComment.isEmpty() || !footComment.isEmpty() || !tailComment.isEmpty();
        states.push(comments ? State.FLOW_MAPPING_TRAIL_KEY : State.FLOW_MAPPING_KEY);
        emitNode(e, false, false, true, false);
        if (!lineComment.isEmpty() || !footComment.isEmpty() || !tailComment.isEmpty()) {
            writeIndicator(",", false, false, false);
        }
        processLineComment();
        processFootComment();
    }

    private void blockSequenceItem(Event e, boolean first) {
        if (first) {
            increaseIndent(false, false);
        }
        if (e.type == Type.SEQUENCE_END) {
            indent = indents.pop();
            state = states.pop();
            return;
        }
        processHeadComment();
        writeIndent();
        writeIndicator("-", true, false, true);
        states.push(State.BLOCK_SEQUENCE_ITEM);
        emitNode(e, false, true, false, false);
        processLineComment();
        processFootComment();
    }

    private void blockMappingKey(Event e, boolean first) {
        if (first) {
            increaseIndent(false, false);
        }
        processHeadComment();
        if (e.type == Type.MAPPING_END) {
            indent = indents.pop();
            state = states.pop();
            return;
        }
        writeIndent();
        if (!lineComment.isEmpty()) {
            keyLineComment = lineComment;
            lineComment = "";
        }
        if (checkSimpleKey()) {
            states.push(State.BLOCK_MAPPING_SIMPLE_VALUE);
            emitNode(e, false, false, true, true);
            return;
        }
        writeIndicator("?", true, false, true);
        states.push(State.BLOCK_MAPPING_VALUE);
        emitNode(e, false, false, true, false);
    }

    private void blockMappingValue(Event e, boolean simple) {
        if (simple) {
            writeIndicator(":", false, false, false);
        } else {
            writeIndent();
            writeIndicator(":", true, false, true);
        }
        if (!keyLineComment.isEmpty()) {
            if (e.type == Type.SCALAR) {
                if (lineComment.isEmpty()) {
                    lineComment = keyLineComment;
                    keyLineComment = "";
                }
            } else if (!e.flow && (e.type == Type.MAPPING_START || e.type == Type.SEQUENCE_START)) {
                String saved = lineComment;
                lineComment = keyLineComment;
                keyLineComment = saved;
                processLineComment();
                String again = lineComment;
                lineComment = keyLineComment;
                keyLineComment = again;
            }
        }
        states.push(State.BLOCK_MAPPING_KEY);
        emitNode(e, false, false, true, false);
        processLineComment();
        processFootComment();
    }

    private void emitNode(Event e, boolean root, boolean sequence, boolean mapping, boolean simpleKey) {
        rootContext = root;
        simpleKeyContext = simpleKey;
        switch (e.type) {
            case SCALAR -> emitScalar(e);
            case SEQUENCE_START -> state = flowLevel > 0 || e.flow || checkEmpty(Type.SEQUENCE_START, Type.SEQUENCE_END)
                ? State.FLOW_SEQUENCE_FIRST_ITEM : State.BLOCK_SEQUENCE_FIRST_ITEM;
            case MAPPING_START -> state = flowLevel > 0 || e.flow || checkEmpty(Type.MAPPING_START, Type.MAPPING_END)
                ? State.FLOW_MAPPING_FIRST_KEY : State.BLOCK_MAPPING_FIRST_KEY;
            default -> throw new IllegalStateException("expected SCALAR, SEQUENCE-START or MAPPING-START, got " + e.type);
        }
    }

    private void emitScalar(Event e) {
        selectScalarStyle(e);
        processTag();
        increaseIndent(true, false);
        switch (scalarStyle) {
            case PLAIN -> writePlain(!simpleKeyContext);
            case SINGLE_QUOTED -> writeSingleQuoted(!simpleKeyContext);
            case DOUBLE_QUOTED -> writeDoubleQuoted(!simpleKeyContext);
            case LITERAL -> writeLiteral();
            default -> throw new IllegalStateException("unsupported scalar style " + scalarStyle);
        }
        indent = indents.pop();
        state = states.pop();
    }

    private void increaseIndent(boolean flow, boolean indentless) {
        indents.push(indent);
        if (indent < 0) {
            indent = flow ? bestIndent : 0;
        } else if (!indentless) {
            if (!states.isEmpty() && states.peek() == State.BLOCK_SEQUENCE_ITEM) {
                indent += 2; // the first indent inside a sequence just skips the "- " indicator
            } else {
                indent = bestIndent * ((indent + bestIndent) / bestIndent);
            }
        }
    }

    private boolean checkEmpty(Type start, Type end) {
        return head + 1 < events.size() && events.get(head).type == start && events.get(head + 1).type == end;
    }

    private boolean checkSimpleKey() {
        Event e = events.get(head);
        int length;
        switch (e.type) {
            case SCALAR -> {
                if (multiline) {
                    return false;
                }
                length = tagHandle.length() + tagSuffix.length() + scalar.length;
            }
            case SEQUENCE_START -> {
                if (!checkEmpty(Type.SEQUENCE_START, Type.SEQUENCE_END)) {
                    return false;
                }
                length = 0;
            }
            case MAPPING_START -> {
                if (!checkEmpty(Type.MAPPING_START, Type.MAPPING_END)) {
                    return false;
                }
                length = 0;
            }
            default -> {
                return false;
            }
        }
        return length <= 1024;
    }

    private void selectScalarStyle(Event e) {
        boolean noTag = tagHandle.isEmpty() && tagSuffix.isEmpty();
        Style style = e.style == Style.ANY ? Style.PLAIN : e.style;
        if (simpleKeyContext && multiline) {
            style = Style.DOUBLE_QUOTED;
        }
        if (style == Style.PLAIN) {
            if ((flowLevel > 0 && !flowPlainAllowed) || (flowLevel == 0 && !blockPlainAllowed)) {
                style = Style.SINGLE_QUOTED;
            }
            if (scalar.length == 0 && (flowLevel > 0 || simpleKeyContext)) {
                style = Style.SINGLE_QUOTED;
            }
            if (noTag && !e.implicit) {
                style = Style.SINGLE_QUOTED;
            }
        }
        if (style == Style.SINGLE_QUOTED && !singleQuotedAllowed) {
            style = Style.DOUBLE_QUOTED;
        }
        if ((style == Style.LITERAL || style == Style.FOLDED)
            && (!blockAllowed || flowLevel > 0 || simpleKeyContext)) {
            style = Style.DOUBLE_QUOTED;
        }
        if (style == Style.FOLDED) {
            style = Style.LITERAL; // never requested by sops output; kept safe
        }
        scalarStyle = style;
    }

    /** The style go-yaml would pick for this scalar as a document root (what Node.Encode re-parses). */
    static Style styleAsRoot(String value, Style requested) {
        YamlEmitter probe = new YamlEmitter(4);
        probe.analyzeScalar(value);
        Style style = requested == Style.ANY ? Style.PLAIN : requested;
        if (style == Style.PLAIN && (!probe.blockPlainAllowed)) {
            style = Style.SINGLE_QUOTED;
        }
        if (style == Style.SINGLE_QUOTED && !probe.singleQuotedAllowed) {
            style = Style.DOUBLE_QUOTED;
        }
        if (style == Style.LITERAL && !probe.blockAllowed) {
            style = Style.DOUBLE_QUOTED;
        }
        return style;
    }

    private void processTag() {
        if (tagHandle.isEmpty() && tagSuffix.isEmpty()) {
            return;
        }
        if (!whitespace) {
            put(' ');
        }
        writeRaw(tagHandle + tagSuffix);
        whitespace = false;
        indention = false;
    }

    // ---- comments ----------------------------------------------------------------------------

    private void processHeadComment() {
        if (!tailComment.isEmpty()) {
            writeIndent();
            writeComment(tailComment);
            tailComment = "";
            footIndent = Math.max(indent, 0);
        }
        if (headComment.isEmpty()) {
            return;
        }
        writeIndent();
        writeComment(headComment);
        headComment = "";
    }

    private void processLineComment() {
        if (lineComment.isEmpty()) {
            return;
        }
        if (!whitespace) {
            put(' ');
        }
        writeComment(lineComment);
        lineComment = "";
    }

    private void processFootComment() {
        if (footComment.isEmpty()) {
            return;
        }
        writeIndent();
        writeComment(footComment);
        footComment = "";
        footIndent = Math.max(indent, 0);
    }

    private void writeComment(String comment) {
        int[] cps = comment.codePoints().toArray();
        boolean breaks = false;
        boolean pound = false;
        for (int i = 0; i < cps.length; i++) {
            if (isBreak(cps[i])) {
                writeBreak(cps[i]);
                breaks = true;
                pound = false;
            } else {
                if (breaks) {
                    writeIndent();
                }
                if (!pound) {
                    if (cps[i] != '#') {
                        put('#');
                        put(' ');
                    }
                    pound = true;
                }
                write(cps[i]);
                indention = false;
                breaks = false;
            }
        }
        if (!breaks) {
            putBreak();
        }
        whitespace = true;
    }

    // ---- analysis ----------------------------------------------------------------------------

    private void analyzeEvent(Event e) {
        tagHandle = "";
        tagSuffix = "";
        scalar = new int[0];
        if (!e.head.isEmpty()) {
            headComment = e.head;
        }
        if (!e.line.isEmpty()) {
            lineComment = e.line;
        }
        if (!e.foot.isEmpty()) {
            footComment = e.foot;
        }
        if (!e.tail.isEmpty()) {
            tailComment = e.tail;
        }
        if (e.type == Type.SCALAR) {
            if (!e.tag.isEmpty() && !e.implicit) {
                if (e.tag.startsWith("tag:yaml.org,2002:")) {
                    tagHandle = "!!";
                    tagSuffix = e.tag.substring("tag:yaml.org,2002:".length());
                } else {
                    tagSuffix = e.tag;
                }
            }
            analyzeScalar(e.value);
        }
    }

    private void analyzeScalar(String value) {
        int[] v = value.codePoints().toArray();
        scalar = v;
        if (v.length == 0) {
            multiline = false;
            flowPlainAllowed = false;
            blockPlainAllowed = true;
            singleQuotedAllowed = true;
            blockAllowed = false;
            return;
        }
        boolean blockIndicators = false;
        boolean flowIndicators = false;
        boolean lineBreaks = false;
        boolean specialCharacters = false;
        boolean tabCharacters = false;
        boolean leadingSpace = false;
        boolean leadingBreak = false;
        boolean trailingSpace = false;
        boolean trailingBreak = false;
        boolean breakSpace = false;
        boolean spaceBreak = false;
        boolean previousSpace = false;
        boolean previousBreak = false;
        if (v.length >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') || (v[0] == '.' && v[1] == '.' && v[2] == '.'))) {
            blockIndicators = true;
            flowIndicators = true;
        }
        boolean precededByWhitespace = true;
        for (int i = 0; i < v.length; i++) {
            int c = v[i];
            boolean followedByWhitespace = i + 1 >= v.length || isBlank(v[i + 1]);
            if (i == 0) {
                switch (c) {
                    case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`' -> {
                        flowIndicators = true;
                        blockIndicators = true;
                    }
                    case '?', ':' -> {
                        flowIndicators = true;
                        if (followedByWhitespace) {
                            blockIndicators = true;
                        }
                    }
                    case '-' -> {
                        if (followedByWhitespace) {
                            flowIndicators = true;
                            blockIndicators = true;
                        }
                    }
                    default -> {
                    }
                }
            } else {
                switch (c) {
                    case ',', '?', '[', ']', '{', '}' -> flowIndicators = true;
                    case ':' -> {
                        flowIndicators = true;
                        if (followedByWhitespace) {
                            blockIndicators = true;
                        }
                    }
                    case '#' -> {
                        if (precededByWhitespace) {
                            flowIndicators = true;
                            blockIndicators = true;
                        }
                    }
                    default -> {
                    }
                }
            }
            if (c == '\t') {
                tabCharacters = true;
            } else if (!isPrintable(c)) {
                specialCharacters = true;
            }
            if (c == ' ') {
                if (i == 0) {
                    leadingSpace = true;
                }
                if (i == v.length - 1) {
                    trailingSpace = true;
                }
                if (previousBreak) {
                    breakSpace = true;
                }
                previousSpace = true;
                previousBreak = false;
            } else if (isBreak(c)) {
                lineBreaks = true;
                if (i == 0) {
                    leadingBreak = true;
                }
                if (i == v.length - 1) {
                    trailingBreak = true;
                }
                if (previousSpace) {
                    spaceBreak = true;
                }
                previousSpace = false;
                previousBreak = true;
            } else {
                previousSpace = false;
                previousBreak = false;
            }
            precededByWhitespace = isBlank(c) || isBreak(c) || c == 0;
        }
        multiline = lineBreaks;
        flowPlainAllowed = true;
        blockPlainAllowed = true;
        singleQuotedAllowed = true;
        blockAllowed = true;
        if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
            flowPlainAllowed = false;
            blockPlainAllowed = false;
        }
        if (trailingSpace) {
            blockAllowed = false;
        }
        if (breakSpace) {
            flowPlainAllowed = false;
            blockPlainAllowed = false;
            singleQuotedAllowed = false;
        }
        if (spaceBreak || tabCharacters || specialCharacters) {
            flowPlainAllowed = false;
            blockPlainAllowed = false;
            singleQuotedAllowed = false;
        }
        if (spaceBreak || specialCharacters) {
            blockAllowed = false;
        }
        if (lineBreaks) {
            flowPlainAllowed = false;
            blockPlainAllowed = false;
        }
        if (flowIndicators) {
            flowPlainAllowed = false;
        }
        if (blockIndicators) {
            blockPlainAllowed = false;
        }
    }

    // ---- writing scalars -------------------------------------------------------------------

    private void writePlain(boolean allowBreaks) {
        int[] v = scalar;
        if (v.length > 0 && !whitespace) {
            put(' ');
        }
        boolean spaces = false;
        boolean breaks = false;
        for (int i = 0; i < v.length; i++) {
            int c = v[i];
            if (c == ' ') {
                if (allowBreaks && !spaces && column > bestWidth && !(i + 1 < v.length && v[i + 1] == ' ')) {
                    writeIndent();
                } else {
                    write(c);
                }
                spaces = true;
            } else if (isBreak(c)) {
                if (!breaks && c == '\n') {
                    putBreak();
                }
                writeBreak(c);
                breaks = true;
            } else {
                if (breaks) {
                    writeIndent();
                }
                write(c);
                indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if (v.length > 0) {
            whitespace = false;
        }
        indention = false;
        if (rootContext) {
            openEnded = true;
        }
    }

    private void writeSingleQuoted(boolean allowBreaks) {
        int[] v = scalar;
        writeIndicator("'", true, false, false);
        boolean spaces = false;
        boolean breaks = false;
        for (int i = 0; i < v.length; i++) {
            int c = v[i];
            if (c == ' ') {
                if (allowBreaks && !spaces && column > bestWidth && i > 0 && i < v.length - 1 && v[i + 1] != ' ') {
                    writeIndent();
                } else {
                    write(c);
                }
                spaces = true;
            } else if (isBreak(c)) {
                if (!breaks && c == '\n') {
                    putBreak();
                }
                writeBreak(c);
                breaks = true;
            } else {
                if (breaks) {
                    writeIndent();
                }
                if (c == '\'') {
                    put('\'');
                }
                write(c);
                indention = false;
                spaces = false;
                breaks = false;
            }
        }
        writeIndicator("'", false, false, false);
        whitespace = false;
        indention = false;
    }

    private void writeDoubleQuoted(boolean allowBreaks) {
        int[] v = scalar;
        boolean spaces = false;
        writeIndicator("\"", true, false, false);
        for (int i = 0; i < v.length; i++) {
            int c = v[i];
            if (!isPrintable(c) || c == 0xFEFF || isBreak(c) || c == '"' || c == '\\') {
                put('\\');
                switch (c) {
                    case 0x00 -> put('0');
                    case 0x07 -> put('a');
                    case 0x08 -> put('b');
                    case 0x09 -> put('t');
                    case 0x0A -> put('n');
                    case 0x0B -> put('v');
                    case 0x0C -> put('f');
                    case 0x0D -> put('r');
                    case 0x1B -> put('e');
                    case 0x22 -> put('"');
                    case 0x5C -> put('\\');
                    case 0x85 -> put('N');
                    case 0xA0 -> put('_');
                    case 0x2028 -> put('L');
                    case 0x2029 -> put('P');
                    default -> {
                        int width;
                        if (c <= 0xFF) {
                            put('x');
                            width = 2;
                        } else if (c <= 0xFFFF) {
                            put('u');
                            width = 4;
                        } else {
                            put('U');
                            width = 8;
                        }
                        for (int k = (width - 1) * 4; k >= 0; k -= 4) {
                            int digit = (c >> k) & 0x0F;
                            put((char) (digit < 10 ? '0' + digit : 'A' + digit - 10));
                        }
                    }
                }
                spaces = false;
            } else if (c == ' ') {
                if (allowBreaks && !spaces && column > bestWidth && i > 0 && i < v.length - 1) {
                    writeIndent();
                    if (i + 1 < v.length && v[i + 1] == ' ') {
                        put('\\');
                    }
                } else {
                    write(c);
                }
                spaces = true;
            } else {
                write(c);
                spaces = false;
            }
        }
        writeIndicator("\"", false, false, false);
        whitespace = false;
        indention = false;
    }

    private void writeBlockScalarHints() {
        int[] v = scalar;
        if (v.length > 0 && (v[0] == ' ' || isBreak(v[0]))) {
            writeIndicator(Integer.toString(bestIndent), false, false, false);
        }
        openEnded = false;
        String chomp = "";
        if (v.length == 0) {
            chomp = "-";
        } else {
            int last = v.length - 1;
            if (!isBreak(v[last])) {
                chomp = "-";
            } else if (last == 0) {
                chomp = "+";
                openEnded = true;
            } else if (isBreak(v[last - 1])) {
                chomp = "+";
                openEnded = true;
            }
        }
        if (!chomp.isEmpty()) {
            writeIndicator(chomp, false, false, false);
        }
    }

    private void writeLiteral() {
        writeIndicator("|", true, false, false);
        writeBlockScalarHints();
        processLineComment();
        whitespace = true;
        boolean breaks = true;
        for (int c : scalar) {
            if (isBreak(c)) {
                writeBreak(c);
                breaks = true;
            } else {
                if (breaks) {
                    writeIndent();
                }
                write(c);
                indention = false;
                breaks = false;
            }
        }
    }

    // ---- low-level output --------------------------------------------------------------------

    private void writeIndent() {
        int ind = Math.max(indent, 0);
        if (!indention || column > ind || (column == ind && !whitespace)) {
            putBreak();
        }
        if (footIndent == ind) {
            putBreak();
        }
        while (column < ind) {
            put(' ');
        }
        whitespace = true;
        footIndent = -1;
    }

    private void writeIndicator(String indicator, boolean needWhitespace, boolean isWhitespace, boolean isIndention) {
        if (needWhitespace && !whitespace) {
            put(' ');
        }
        writeRaw(indicator);
        whitespace = isWhitespace;
        indention = indention && isIndention;
        openEnded = false;
    }

    private void writeRaw(String s) {
        s.codePoints().forEach(this::write);
    }

    private void put(char c) {
        out.append(c);
        column++;
    }

    private void write(int codePoint) {
        out.appendCodePoint(codePoint);
        column++;
    }

    private void putBreak() {
        out.append('\n');
        column = 0;
        indention = true;
    }

    private void writeBreak(int c) {
        if (c == '\n') {
            putBreak();
        } else {
            write(c);
            column = 0;
            indention = true;
        }
    }

    private static void expect(Event e, Type type) {
        if (e.type != type) {
            throw new IllegalStateException("expected " + type + ", got " + e.type);
        }
    }

    static boolean isBreak(int c) {
        return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    static boolean isBlank(int c) {
        return c == ' ' || c == '\t';
    }

    /** go-yaml's is_printable, which (working on UTF-8 lead bytes) rejects everything above U+FFFF. */
    static boolean isPrintable(int c) {
        return c == 0x0A || (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF)
            || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
    }

    /** Lists events for tests and debugging. */
    static List<String> describe(List<Event> events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.type + (e.type == Type.SCALAR ? " " + e.style : "")));
        return out;
    }
}
