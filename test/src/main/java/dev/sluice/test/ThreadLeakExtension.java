package dev.sluice.test;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The JUnit 5 extension behind {@link DetectThreadLeaks}; usable as
 * {@code @ExtendWith(ThreadLeakExtension.class)} (configured then by JUnit configuration
 * parameters, see {@link ThreadLeakSettings}) or registered for every test through
 * JUnit's extension auto-detection.
 * <p>
 * It sees every platform thread ({@link Thread#getAllStackTraces()}) and, when Sluice is
 * on the class path, every thread Sluice started, virtual threads included (which the JDK
 * lists nowhere): it calls the public static {@code dev.sluice.core.SluiceThreads.live()}
 * reflectively, so this module does not depend on Sluice. Virtual threads that the
 * application starts itself are not seen.
 */
public class ThreadLeakExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(ThreadLeakExtension.class);

	private static final String SLUICE_THREADS = "dev.sluice.core.SluiceThreads";

	@Override
	public void beforeAll(ExtensionContext context) {
		record(context, DetectThreadLeaks.Scope.CLASS);
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		record(context, DetectThreadLeaks.Scope.EACH_TEST);
	}

	@Override
	public void afterEach(ExtensionContext context) throws InterruptedException {
		verify(context, DetectThreadLeaks.Scope.EACH_TEST);
	}

	@Override
	public void afterAll(ExtensionContext context) throws InterruptedException {
		verify(context, DetectThreadLeaks.Scope.CLASS);
	}

	private void record(ExtensionContext context, DetectThreadLeaks.Scope scope) {
		ThreadLeakSettings settings = ThreadLeakSettings.of(context);
		if (settings.scope() == scope) {
			context.getStore(NAMESPACE).put(Snapshot.class, new Snapshot(settings, liveThreads()));
		}
	}

	private void verify(ExtensionContext context, DetectThreadLeaks.Scope scope) throws InterruptedException {
		Snapshot before = context.getStore(NAMESPACE).remove(Snapshot.class, Snapshot.class);
		if (before == null || before.settings().scope() != scope) {
			return;
		}
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(before.settings().graceMillis());
		List<Thread> leaked = leaked(before);
		while (!leaked.isEmpty()) {
			long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
			if (remainingMillis <= 0) {
				break;
			}
			leaked.get(0).join(remainingMillis);
			leaked = leaked(before);
		}
		if (!leaked.isEmpty()) {
			throw new AssertionError(describe(context, before.settings(), leaked));
		}
	}

	private static List<Thread> leaked(Snapshot before) {
		return liveThreads().stream()
			.filter((thread) -> thread.isAlive() && !before.threads().contains(thread)
					&& !before.settings().ignores(thread))
			.sorted(Comparator.comparing(Thread::getName))
			.toList();
	}

	private static String describe(ExtensionContext context, ThreadLeakSettings settings, List<Thread> leaked) {
		Set<Thread> sluice = sluiceThreads();
		StringBuilder message = new StringBuilder();
		message.append(leaked.size())
			.append(" thread(s) left behind by ")
			.append(context.getDisplayName())
			.append(", still alive ")
			.append(settings.graceMillis())
			.append(" ms after it ended:");
		for (Thread thread : leaked) {
			message.append("\n\n\"").append(thread.getName()).append("\"");
			message.append(isVirtual(thread) ? " virtual" : (thread.isDaemon() ? " daemon" : ""));
			if (sluice.contains(thread)) {
				message.append(" (started by Sluice)");
			}
			message.append(" ").append(thread.getState());
			for (StackTraceElement frame : thread.getStackTrace()) {
				message.append("\n\tat ").append(frame);
			}
		}
		message.append("\n\nStop every thread a test starts (close its executor, context or client), or ignore it by "
				+ "name with @DetectThreadLeaks(ignore = ...).");
		return message.toString();
	}

	private static Set<Thread> liveThreads() {
		Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
		threads.addAll(sluiceThreads());
		return threads;
	}

	/**
	 * Sluice's registry of its threads (virtual ones included), when Sluice is on the
	 * class path.
	 */
	@SuppressWarnings("unchecked")
	private static Set<Thread> sluiceThreads() {
		Method live = SluiceRegistry.LIVE;
		if (live == null) {
			return Set.of();
		}
		try {
			return Set.copyOf((Collection<Thread>) live.invoke(null));
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Could not list Sluice's threads through " + live, ex);
		}
	}

	private static boolean isVirtual(Thread thread) {
		return SluiceRegistry.IS_VIRTUAL != null && Boolean.TRUE.equals(invoke(SluiceRegistry.IS_VIRTUAL, thread));
	}

	private static Object invoke(Method method, Object target) {
		try {
			return method.invoke(target);
		}
		catch (ReflectiveOperationException ex) {
			return null;
		}
	}

	private record Snapshot(ThreadLeakSettings settings, Set<Thread> threads) {
	}

	/**
	 * Looked up once: {@code SluiceThreads.live()} and {@code Thread.isVirtual()} (Java
	 * 21+), when present.
	 */
	private static final class SluiceRegistry {

		static final Method LIVE = find(SLUICE_THREADS, "live");

		static final Method IS_VIRTUAL = find(Thread.class.getName(), "isVirtual");

		private static Method find(String className, String methodName) {
			ClassLoader loader = Thread.currentThread().getContextClassLoader();
			try {
				return Class
					.forName(className, false, (loader != null) ? loader : ThreadLeakExtension.class.getClassLoader())
					.getMethod(methodName);
			}
			catch (ReflectiveOperationException | LinkageError ex) {
				return null;
			}
		}

	}

}
