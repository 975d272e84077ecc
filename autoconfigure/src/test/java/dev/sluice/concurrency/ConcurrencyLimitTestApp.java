package dev.sluice.concurrency;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.resilience.annotation.ConcurrencyLimit;
import org.springframework.resilience.annotation.EnableResilientMethods;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints the concurrency-limit tests call over real HTTP.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableResilientMethods
@Import({ ConcurrencyLimitTestApp.Endpoints.class, ConcurrencyLimitTestApp.OneAtATime.class,
		ConcurrencyLimitTestApp.Gate.class })
class ConcurrencyLimitTestApp {

	@RestController
	static class Endpoints {

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger highWater = new AtomicInteger();

		volatile CountDownLatch release = new CountDownLatch(0);

		/** How long {@code /work} takes: the induced latency. */
		volatile long workMillis = 5;

		/** Requests {@code /work} served. */
		final LongAdder admitted = new LongAdder();

		/**
		 * The most requests in flight at any admission to {@code /work}, as the limiter
		 * counted them.
		 */
		final AtomicInteger highWaterAtAdmission = new AtomicInteger();

		/**
		 * The largest excess of in-flight requests over the limit at any admission (never
		 * above 0).
		 */
		final AtomicInteger excessAtAdmission = new AtomicInteger(Integer.MIN_VALUE);

		@GetMapping("/free")
		String free() {
			return "ok";
		}

		@GetMapping("/slow")
		String slow() throws InterruptedException {
			this.highWater.accumulateAndGet(this.running.incrementAndGet(), Math::max);
			try {
				this.release.await(10, TimeUnit.SECONDS);
			}
			finally {
				this.running.decrementAndGet();
			}
			return "slow";
		}

		@GetMapping("/work")
		String work(HttpServletRequest request) throws InterruptedException {
			ConcurrencyLimiter.Permit permit = (ConcurrencyLimiter.Permit) request
				.getAttribute(ConcurrencyLimitFilter.PERMIT_ATTRIBUTE);
			this.admitted.increment();
			this.highWaterAtAdmission.accumulateAndGet(permit.inFlightAtAdmission(), Math::max);
			this.excessAtAdmission.accumulateAndGet(permit.inFlightAtAdmission() - permit.limitAtAdmission(),
					Math::max);
			Thread.sleep(this.workMillis);
			return "done";
		}

		@GetMapping("/fail")
		void fail(HttpServletResponse response) throws InterruptedException {
			Thread.sleep(this.workMillis);
			response.setStatus(500);
		}

		@GetMapping("/late")
		String late() throws InterruptedException {
			Thread.sleep(10_000); // interrupted at the route's deadline
			return "late";
		}

		@GetMapping("/missing")
		void missing(HttpServletResponse response) {
			response.setStatus(404);
		}

	}

	/** Holds {@code /one-at-a-time} callers until the test opens it. */
	static class Gate {

		final AtomicInteger entered = new AtomicInteger();

		volatile CountDownLatch open = new CountDownLatch(0);

	}

	@RestController
	static class OneAtATime {

		private final Gate gate;

		OneAtATime(Gate gate) {
			this.gate = gate;
		}

		@GetMapping("/one-at-a-time")
		@ConcurrencyLimit(limit = 1, policy = ConcurrencyLimit.ThrottlePolicy.REJECT)
		String oneAtATime() throws InterruptedException {
			this.gate.entered.incrementAndGet();
			this.gate.open.await(10, TimeUnit.SECONDS);
			return "done";
		}

	}

}
