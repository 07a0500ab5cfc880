package dev.driftless.reconciler.lock;

import dev.driftless.reconciler.ChildJvm;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Another process that takes a {@link ProcessLock}: {@code LockHolder FILE PURPOSE} takes the lock
 * on FILE and prints {@code READY <its pid>}, or prints {@code TAKEN <holder>} and exits 3 when
 * someone has it.
 */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        Optional<ProcessLock> lock = ProcessLock.tryAcquire(Path.of(args[0]), args[1]);
        if (lock.isEmpty()) {
            System.out.println("TAKEN " + ProcessLock.holder(Path.of(args[0])));
            System.exit(3);
        }
        ChildJvm.ready(ProcessHandle.current().pid());
    }
}
