package dev.sluice.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.SettableLimit;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrencyLimiterTests {

	@Test
	void aFixedLimiterNeverHoldsMoreThanItsLimitFromManyThreadsAndCountsEveryRefusal() throws Exception {
		ConcurrencyLimiter limiter = ConcurrencyLimiter.fixed(5);
		AtomicInteger held = new AtomicInteger();
		AtomicInteger mostHeld = new AtomicInteger();
		LongAdder admitted = new LongAdder();
		LongAdder refused = new LongAdder();
		run(32, 2_000, () -> {
			ConcurrencyLimiter.Permit permit = limiter.tryAcquire();
			if (permit == null) {
				refused.increment();
				return;
			}
			admitted.increment();
			mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
			Thread.yield();
			held.decrementAndGet();
			permit.onSuccess();
		});
		assertThat(admitted.sum() + refused.sum()).isEqualTo(32 * 2_000);
		assertThat(limiter.getRejected()).isEqualTo(refused.sum());
		assertThat(mostHeld.get()).isBetween(1, 5);
		assertThat(limiter.getInFlight()).isZero();
		assertThat(limiter.getLimit()).isEqualTo(5);
	}

	@Test
	void whileTheLimitMovesUnderManyThreadsNoAdmissionEverExceedsTheLimitInForce() throws Exception {
		SettableLimit limit = SettableLimit.startingAt(8);
		ConcurrencyLimiter limiter = ConcurrencyLimiter.adaptive("settable", limit, limit, 1, 8);
		AtomicInteger held = new AtomicInteger();
		AtomicInteger mostHeld = new AtomicInteger();
		AtomicInteger worstExcess = new AtomicInteger(Integer.MIN_VALUE);
		LongAdder admitted = new LongAdder();
		AtomicBoolean stop = new AtomicBoolean();
		Thread mover = new Thread(() -> {
			int n = 0;
			while (!stop.get()) {
				limit.setLimit((n++ % 2 == 0) ? 2 : 8);
				Thread.yield();
			}
		}, "limit-mover");
		mover.start();
		try {
			run(32, 2_000, () -> {
				ConcurrencyLimiter.Permit permit = limiter.tryAcquire();
				if (permit == null) {
					return;
				}
				admitted.increment();
				worstExcess.accumulateAndGet(permit.inFlightAtAdmission() - permit.limitAtAdmission(), Math::max);
				mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
				Thread.yield();
				held.decrementAndGet();
				permit.onSuccess();
			});
		}
		finally {
			stop.set(true);
			mover.join();
		}
		assertThat(admitted.sum()).isPositive();
		assertThat(worstExcess.get()).as("in flight minus limit at any admission").isLessThanOrEqualTo(0);
		assertThat(mostHeld.get()).isLessThanOrEqualTo(8);
		assertThat(admitted.sum() + limiter.getRejected()).isEqualTo(32 * 2_000);
		assertThat(limiter.getInFlight()).isZero();

		limit.setLimit(2);
		ConcurrencyLimiter.Permit first = limiter.tryAcquire();
		ConcurrencyLimiter.Permit second = limiter.tryAcquire();
		assertThat(first).isNotNull();
		assertThat(second).isNotNull();
		assertThat(limiter.tryAcquire()).as("a third permit under a limit of 2").isNull();
		first.onIgnore();
		first.onIgnore(); // a second release does nothing
		assertThat(limiter.getInFlight()).isEqualTo(1);
		second.onIgnore();
	}

	@Test
	void theLimitStaysWithinMinAndMaxWhateverTheAlgorithmSays() {
		SettableLimit limit = SettableLimit.startingAt(50);
		ConcurrencyLimiter limiter = ConcurrencyLimiter.adaptive("settable", limit, limit, 4, 20);
		assertThat(limiter.getLimit()).isEqualTo(20);
		limit.setLimit(1);
		assertThat(limiter.getLimit()).isEqualTo(4);
		limit.setLimit(12);
		assertThat(limiter.getLimit()).isEqualTo(12);
	}

	@Test
	void dropsLowerALossBasedLimitAndIgnoredOperationsLeaveItAlone() {
		AIMDLimit aimd = AIMDLimit.newBuilder().initialLimit(20).minLimit(4).maxLimit(100).backoffRatio(0.5).build();
		ConcurrencyLimiter limiter = ConcurrencyLimiter.adaptive("aimd", aimd, aimd, 4, 100);
		limiter.tryAcquire().onIgnore();
		assertThat(limiter.getLimit()).isEqualTo(20);
		limiter.tryAcquire().onDropped();
		assertThat(limiter.getLimit()).isEqualTo(10);
		limiter.tryAcquire().onDropped();
		assertThat(limiter.getLimit()).isEqualTo(5);
		limiter.tryAcquire().onDropped();
		assertThat(limiter.getLimit()).isEqualTo(4);
		assertThat(limiter.describe()).containsEntry("mode", "adaptive").containsEntry("limit", 4);
		assertThat(limiter.describe().get("algorithm").toString()).contains("dropped=3", "ignored=1");
	}

	private static void run(int threads, int iterations, Runnable body) throws InterruptedException {
		CountDownLatch start = new CountDownLatch(1);
		List<Thread> started = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				for (int i = 0; i < iterations; i++) {
					body.run();
				}
			}, "limiter-test-" + t);
			thread.start();
			started.add(thread);
		}
		start.countDown();
		for (Thread thread : started) {
			thread.join(TimeUnit.SECONDS.toMillis(60));
			assertThat(thread.isAlive()).isFalse();
		}
	}

}
