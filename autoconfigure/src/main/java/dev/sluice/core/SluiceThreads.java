package dev.sluice.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place Sluice makes threads. Every thread is named {@code sluice-<owner>-<n>}
 * and is tracked while it lives, so tests can prove none outlives its context and the
 * task view can show virtual threads, which the JDK's thread dump leaves out.
 */
public final class SluiceThreads {

	/** Prefix of every thread name Sluice gives. */
	public static final String PREFIX = "sluice-";

	private static final Set<Thread> LIVE = ConcurrentHashMap.newKeySet();

	private SluiceThreads() {
	}

	/**
	 * A factory of platform threads named {@code sluice-<owner>-<n>}.
	 * @param owner the pool or component that owns the threads
	 * @param daemon whether the threads are daemon threads
	 * @return the factory
	 */
	public static ThreadFactory platform(String owner, boolean daemon) {
		AtomicLong counter = new AtomicLong();
		String prefix = PREFIX + owner + "-";
		return (task) -> {
			Thread thread = new Thread(tracked(task), prefix + counter.incrementAndGet());
			thread.setDaemon(daemon);
			LIVE.add(thread);
			return thread;
		};
	}

	/**
	 * A factory of virtual threads named {@code sluice-<owner>-<n>}.
	 * @param owner the pool or component that owns the threads
	 * @return the factory
	 * @throws UnsupportedOperationException when the JDK has no virtual threads (before
	 * Java 21)
	 */
	public static ThreadFactory virtual(String owner) {
		ThreadFactory virtual = VirtualThreads.factory(PREFIX + owner + "-");
		return (task) -> {
			Thread thread = virtual.newThread(tracked(task));
			LIVE.add(thread);
			return thread;
		};
	}

	/**
	 * Whether this JDK has virtual threads.
	 * @return {@code true} on Java 21 and later
	 */
	public static boolean virtualThreadsAvailable() {
		return Runtime.version().feature() >= 21;
	}

	/**
	 * The Sluice threads alive now, platform and virtual.
	 * @return a snapshot
	 */
	public static Set<Thread> live() {
		LIVE.removeIf((thread) -> thread.getState() == Thread.State.TERMINATED);
		return Set.copyOf(LIVE);
	}

	private static Runnable tracked(Runnable task) {
		return () -> {
			try {
				task.run();
			}
			finally {
				LIVE.remove(Thread.currentThread());
			}
		};
	}

	/** Reaches {@code Thread.ofVirtual()} without compiling against Java 21. */
	private static final class VirtualThreads {

		static ThreadFactory factory(String prefix) {
			if (!virtualThreadsAvailable()) {
				throw new UnsupportedOperationException(
						"Virtual threads need Java 21 or later; this JVM is Java " + Runtime.version().feature());
			}
			try {
				Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
				Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
				builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, prefix, 1L);
				return (ThreadFactory) ofVirtual.getMethod("factory").invoke(builder);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Could not create a virtual thread factory", ex);
			}
		}

	}

}
