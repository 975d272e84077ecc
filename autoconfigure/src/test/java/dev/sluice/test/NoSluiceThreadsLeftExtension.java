package dev.sluice.test;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.sluice.core.SluiceThreads;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (JUnit extension auto-detection): once a class's tests are done and its
 * application contexts are closed, no thread started by Sluice may still be alive. Spring test contexts must
 * therefore be closed after their class ({@code @DirtiesContext}); a cached context left open fails the check.
 */
public class NoSluiceThreadsLeftExtension implements AfterAllCallback {

	private static final Duration GRACE = Duration.ofSeconds(10);

	@Override
	public void afterAll(ExtensionContext context) throws InterruptedException {
		long deadline = System.nanoTime() + GRACE.toNanos();
		Set<String> alive = aliveSluiceThreads();
		while (!alive.isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(20);
			alive = aliveSluiceThreads();
		}
		if (!alive.isEmpty()) {
			throw new AssertionError("Sluice threads still alive " + GRACE.toSeconds() + " s after "
					+ context.getDisplayName() + " finished: " + alive);
		}
	}

	/**
	 * The names of the Sluice threads alive now: tracked ones (virtual included) and any platform thread that
	 * carries the prefix without having been tracked.
	 * @return thread names
	 */
	public static Set<String> aliveSluiceThreads() {
		Stream<Thread> tracked = SluiceThreads.live().stream().filter(Thread::isAlive);
		Stream<Thread> platform = Thread.getAllStackTraces().keySet().stream()
			.filter((thread) -> thread.getName().startsWith(SluiceThreads.PREFIX));
		return Stream.concat(tracked, platform).map(Thread::getName).collect(Collectors.toSet());
	}

}
