package dev.sluice.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test that leaves threads behind, like goleak's {@code VerifyNone} in Go: the
 * threads alive before each test (or before the class, with {@link Scope#CLASS}) are
 * recorded; after it, the threads started since then get {@link #graceMillis()} to end,
 * and every one still alive is named in the failure with its stack. Sluice's pool and
 * task-group threads, virtual ones included, are seen too. Threads alive before are never
 * blamed. <pre class="code">
 * &#064;DetectThreadLeaks(graceMillis = 2000, ignore = "HttpClient-\\d+-SelectorManager")
 * class ReportServiceTests { ... }
 * </pre> On a method, the annotation replaces the class's settings for that test.
 *
 * @see ThreadLeakExtension
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ThreadLeakExtension.class)
public @interface DetectThreadLeaks {

	/**
	 * How long threads started by the test may take to end once it is done.
	 * @return milliseconds, 1000 by default
	 */
	long graceMillis() default ThreadLeakSettings.DEFAULT_GRACE_MILLIS;

	/**
	 * Whether threads are counted around each test or around the whole class.
	 * @return the scope, each test by default
	 */
	Scope scope() default Scope.EACH_TEST;

	/**
	 * Regular expressions of thread names never blamed, on top of the JVM's own lazily
	 * started threads ({@link ThreadLeakSettings#JVM_THREADS}).
	 * @return the patterns, matched against the whole name
	 */
	String[] ignore() default {};

	/** What a check surrounds. */
	enum Scope {

		/** Each test method: threads it leaves fail that test. */
		EACH_TEST,

		/**
		 * The whole test class: threads left once all its tests (and its after-all
		 * methods) are done fail it.
		 */
		CLASS

	}

}
