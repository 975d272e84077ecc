package dev.sluice.test;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.SearchOption;

/**
 * The settings of one leak check: from {@link DetectThreadLeaks} on the test method or
 * class (or an enclosing class), else from the JUnit configuration parameters
 * {@value #GRACE_MILLIS}, {@value #SCOPE} ({@code each_test} or {@code class}) and
 * {@value #IGNORE} (comma-separated patterns), else the defaults.
 *
 * @param graceMillis how long threads may take to end after the test
 * @param scope what the check surrounds
 * @param ignore names of threads never blamed
 */
public record ThreadLeakSettings(long graceMillis, DetectThreadLeaks.Scope scope, List<Pattern> ignore) {

	/** The default grace period: one second. */
	public static final long DEFAULT_GRACE_MILLIS = 1000;

	/** Configuration parameter for the grace period, in milliseconds. */
	public static final String GRACE_MILLIS = "sluice.test.thread-leaks.grace-millis";

	/** Configuration parameter for the scope: {@code each_test} or {@code class}. */
	public static final String SCOPE = "sluice.test.thread-leaks.scope";

	/**
	 * Configuration parameter for extra ignored thread names: comma-separated regular
	 * expressions.
	 */
	public static final String IGNORE = "sluice.test.thread-leaks.ignore";

	/**
	 * Threads the JVM (and the test runner) start on first use and keep for the rest of
	 * the run: never blamed. The virtual-thread scheduler's carrier threads are
	 * recognised by their class instead, as their names ({@code ForkJoinPool-1-worker-1})
	 * are those of any fork-join pool.
	 */
	public static final List<String> JVM_THREADS = List.of("Common-Cleaner", "process reaper", "Attach Listener",
			"Signal Dispatcher", "Finalizer", "Reference Handler", "Notification Thread", "Keep-Alive-Timer",
			"Keep-Alive-SocketCleaner", "ForkJoinPool\\.commonPool-worker-\\d+", "JFR .*", "surefire-forkedjvm-.*",
			"junit-jupiter-timeout-watcher", "InnocuousThread-\\d+", "Java2D Disposer", "AWT-.*",
			"VirtualThread-unparker", "VirtualThread-unblocker", "Read-Poller", "Write-Poller",
			"ForkJoinPool-\\d+-delayScheduler", "Cleaner-\\d+");

	private static final String CARRIER_THREAD = "jdk.internal.misc.CarrierThread";

	/**
	 * Whether a thread is never blamed.
	 * @param thread the thread
	 * @return {@code true} when its name matches an ignore pattern
	 */
	boolean ignores(Thread thread) {
		if (thread.getClass().getName().equals(CARRIER_THREAD)) {
			return true;
		}
		String name = thread.getName();
		for (Pattern pattern : this.ignore) {
			if (pattern.matcher(name).matches()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The settings for a test or a class.
	 * @param context the test's or the class's context
	 * @return the settings
	 */
	static ThreadLeakSettings of(ExtensionContext context) {
		Optional<DetectThreadLeaks> annotation = context.getTestMethod()
			.flatMap((method) -> AnnotationSupport.findAnnotation(method, DetectThreadLeaks.class))
			.or(() -> context.getTestClass().flatMap(ThreadLeakSettings::onClass));
		List<String> patterns = new ArrayList<>(JVM_THREADS);
		if (annotation.isPresent()) {
			patterns.addAll(List.of(annotation.get().ignore()));
			return new ThreadLeakSettings(annotation.get().graceMillis(), annotation.get().scope(), compile(patterns));
		}
		long grace = context.getConfigurationParameter(GRACE_MILLIS).map(Long::parseLong).orElse(DEFAULT_GRACE_MILLIS);
		DetectThreadLeaks.Scope scope = context.getConfigurationParameter(SCOPE)
			.map((value) -> DetectThreadLeaks.Scope.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_')))
			.orElse(DetectThreadLeaks.Scope.EACH_TEST);
		context.getConfigurationParameter(IGNORE).ifPresent((value) -> {
			for (String pattern : value.split(",")) {
				if (!pattern.isBlank()) {
					patterns.add(pattern.trim());
				}
			}
		});
		return new ThreadLeakSettings(grace, scope, compile(patterns));
	}

	private static Optional<DetectThreadLeaks> onClass(AnnotatedElement type) {
		return AnnotationSupport.findAnnotation((Class<?>) type, DetectThreadLeaks.class,
				SearchOption.INCLUDE_ENCLOSING_CLASSES);
	}

	private static List<Pattern> compile(List<String> patterns) {
		return patterns.stream().map(Pattern::compile).toList();
	}

}
