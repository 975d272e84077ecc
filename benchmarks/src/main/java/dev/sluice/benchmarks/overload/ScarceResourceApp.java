package dev.sluice.benchmarks.overload;

import java.util.concurrent.Semaphore;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The overload benchmark's server: one endpoint backed by a scarce resource, 4 permits
 * held for 20 ms of work each (a small connection pool in front of a slow query), so its
 * capacity is about 200 requests/s. Waiters queue in arrival order, as they do for a
 * pooled connection.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(ScarceResourceApp.Work.class)
public class ScarceResourceApp {

	/** Permits of the scarce resource. */
	static final int PERMITS = 4;

	/** Milliseconds of work per request while holding a permit. */
	static final int WORK_MILLIS = 20;

	@RestController
	static class Work {

		private final Semaphore resource = new Semaphore(PERMITS, true);

		@GetMapping("/work")
		String work() throws InterruptedException {
			this.resource.acquire();
			try {
				Thread.sleep(WORK_MILLIS);
			}
			finally {
				this.resource.release();
			}
			return "done";
		}

	}

}
