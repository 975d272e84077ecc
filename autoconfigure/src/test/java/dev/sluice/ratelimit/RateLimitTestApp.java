package dev.sluice.ratelimit;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints the admission-control tests call over real HTTP.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(RateLimitTestApp.Endpoints.class)
class RateLimitTestApp {

	@RestController
	static class Endpoints {

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger highWater = new AtomicInteger();

		volatile CountDownLatch release = new CountDownLatch(0);

		@GetMapping({ "/burst", "/two/a", "/two/b", "/ip", "/api/items", "/free", "/layered", "/hello", "/pair" })
		String ok() {
			return "ok";
		}

		@GetMapping("/once/async")
		Callable<String> async() {
			return () -> "later";
		}

		@GetMapping("/once/fail")
		String fail() {
			throw new IllegalStateException("handler failed");
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

	}

}
