package dev.sluice.peers.resilience4j;

import java.util.Map;

import io.github.resilience4j.bulkhead.annotation.Bulkhead;
import io.github.resilience4j.ratelimiter.annotation.RateLimiter;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The sample app's {@code GET /hello} behind a Resilience4j {@code RateLimiter} and a semaphore {@code Bulkhead}
 * (their annotations, as Resilience4j's Spring Boot documentation wires them); {@code peer.guarded=false} serves
 * the same handler without them (the "off" side).
 */
class HelloController {

	static Map<String, String> answer() {
		return Map.of("message", "hello");
	}

	@RestController
	@ConditionalOnBooleanProperty(name = "peer.guarded", matchIfMissing = true)
	static class Guarded {

		@GetMapping("/hello")
		@RateLimiter(name = "hello")
		@Bulkhead(name = "hello", type = Bulkhead.Type.SEMAPHORE)
		public Map<String, String> hello() {
			return answer();
		}

	}

	@RestController
	@ConditionalOnBooleanProperty(name = "peer.guarded", havingValue = false)
	static class Plain {

		@GetMapping("/hello")
		public Map<String, String> hello() {
			return answer();
		}

	}

}
