package dev.driftless.reconciler.ssh;

import net.schmizz.sshj.common.LoggerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Routes sshj's own log lines to DEBUG. sshj logs ERROR for events the pool handles and reports
 * itself ("Dying because - Socket closed" whenever a connection is closed or dropped, "none of
 * the configured host key verifiers…" for a refused key); at ERROR they would read as failures.
 * The pool's own messages (with the host's name and what to do) are the ones operators see.
 */
final class SshjLogging implements LoggerFactory {

    @Override
    public Logger getLogger(String name) {
        return new Demoted(org.slf4j.LoggerFactory.getLogger(name));
    }

    @Override
    public Logger getLogger(Class<?> clazz) {
        return getLogger(clazz.getName());
    }

    /** Every level of a logger, written at DEBUG. */
    private static final class Demoted extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final transient Logger delegate;

        Demoted(Logger delegate) {
            this.delegate = delegate;
            this.name = delegate.getName();
        }

        @Override
        public boolean isTraceEnabled() {
            return delegate.isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        public boolean isErrorEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                                   Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            if (level == Level.TRACE) {
                delegate.trace(message, throwable);
            } else {
                delegate.debug(message, throwable);
            }
        }
    }
}
