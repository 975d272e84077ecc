package dev.sluice.core;

import java.util.function.Predicate;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;

/**
 * Captures the context of a thread that hands work to another thread, and restores it
 * there, through Micrometer context-propagation: the whole MDC, then the value of every
 * {@code ThreadLocalAccessor} registered with the global {@link ContextRegistry} (the
 * current observation and with it the tracing span, Sluice's deadline, Spring Security's
 * context, whatever the application registered). While a restored context is open,
 * thread-locals the snapshot has no value for are cleared; closing it puts back what the
 * thread had before, normally nothing.
 */
public final class TaskContext {

	// The MDC is restored first, so the MDC entries a tracer writes when its span is
	// restored win over copies.
	private static final ContextSnapshotFactory MDC = ContextSnapshotFactory.builder()
		.contextRegistry(new ContextRegistry().registerThreadLocalAccessor(new Slf4jThreadLocalAccessor()))
		.clearMissing(true)
		.build();

	private static final Predicate<Object> NOT_MDC = (key) -> !Slf4jThreadLocalAccessor.KEY.equals(key);

	private final ContextSnapshotFactory factory;

	private TaskContext(Predicate<Object> captured) {
		this.factory = ContextSnapshotFactory.builder()
			.contextRegistry(ContextRegistry.getInstance())
			.captureKeyPredicate(NOT_MDC.and(captured))
			.clearMissing(true)
			.build();
	}

	/**
	 * Captures every registered thread-local value.
	 * @return the context capturer
	 */
	public static TaskContext all() {
		return new TaskContext((key) -> true);
	}

	/**
	 * Captures every registered thread-local value but those whose key is {@code left};
	 * the task's thread then runs without one.
	 * @param left the accessor's key
	 * @return the context capturer
	 */
	public static TaskContext allBut(Object left) {
		return new TaskContext((key) -> !left.equals(key));
	}

	/**
	 * Captures the calling thread's context.
	 * @return the snapshot, to restore on the thread that runs the work
	 */
	public Snapshot capture() {
		return new Snapshot(MDC.captureAll(), this.factory.captureAll());
	}

	/**
	 * A captured context; immutable, so one snapshot may be restored for every attempt of
	 * a task.
	 */
	public static final class Snapshot {

		private final ContextSnapshot mdc;

		private final ContextSnapshot accessors;

		private Snapshot(ContextSnapshot mdc, ContextSnapshot accessors) {
			this.mdc = mdc;
			this.accessors = accessors;
		}

		/**
		 * Makes the captured context the calling thread's until the scope is closed.
		 * @return the scope, to close on the same thread
		 */
		public Scope restore() {
			ContextSnapshot.Scope mdc = this.mdc.setThreadLocals();
			try {
				return new Scope(mdc, this.accessors.setThreadLocals(NOT_MDC));
			}
			catch (RuntimeException | Error ex) {
				mdc.close();
				throw ex;
			}
		}

	}

	/** A restored context; closing it gives the thread back its own. */
	public static final class Scope implements AutoCloseable {

		private final ContextSnapshot.Scope mdc;

		private final ContextSnapshot.Scope accessors;

		private Scope(ContextSnapshot.Scope mdc, ContextSnapshot.Scope accessors) {
			this.mdc = mdc;
			this.accessors = accessors;
		}

		@Override
		public void close() {
			try {
				this.accessors.close();
			}
			finally {
				this.mdc.close();
			}
		}

	}

}
