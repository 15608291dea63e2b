package dev.anyrouter.server;

import dev.anyrouter.ops.LogText;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The jar's console format ({@code java.util.logging.SimpleFormatter.format}, set by {@link Main}) with every
 * message on one line: control characters in it are escaped ({@link LogText#escapeMessage}), so text a client
 * chose (a model name quoted in a message) cannot end the line and forge the next. Stack traces keep their lines.
 * {@link ExitLogManager} makes it the console handler's formatter.
 */
public final class EscapingFormatter extends SimpleFormatter {

    @Override
    public String formatMessage(LogRecord record) {
        return LogText.escapeMessage(super.formatMessage(record));
    }
}
