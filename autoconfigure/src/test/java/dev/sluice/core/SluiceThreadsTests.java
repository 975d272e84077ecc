package dev.sluice.core;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SluiceThreadsTests {

	@Test
	void platformThreadsAreNamedAndTrackedUntilTheyEnd() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		ThreadFactory factory = SluiceThreads.platform("test", true);
		Thread thread = factory.newThread(() -> awaitQuietly(release));
		thread.start();
		assertThat(thread.getName()).isEqualTo("sluice-test-1");
		assertThat(SluiceThreads.live()).contains(thread);
		release.countDown();
		thread.join();
		assertThat(SluiceThreads.live()).doesNotContain(thread);
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsAreNamedAndTrackedUntilTheyEnd() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		Thread thread = SluiceThreads.virtual("vt").newThread(() -> awaitQuietly(release));
		thread.start();
		assertThat(thread.getName()).isEqualTo("sluice-vt-1");
		assertThat(thread.toString()).contains("VirtualThread");
		assertThat(SluiceThreads.live()).contains(thread);
		release.countDown();
		thread.join();
		assertThat(SluiceThreads.live()).doesNotContain(thread);
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualThreadsBeforeJava21AreRefusedWithTheReason() {
		assertThat(SluiceThreads.virtualThreadsAvailable()).isFalse();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> SluiceThreads.virtual("vt"))
			.withMessageContaining("Java 21");
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
