package dev.sluice.ratelimit;

import java.util.concurrent.Callable;

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

		@GetMapping({ "/burst", "/two/a", "/two/b", "/ip", "/api/items", "/free", "/layered", "/hello", "/pair",
				"/three/a", "/three/c" })
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

	}

}
