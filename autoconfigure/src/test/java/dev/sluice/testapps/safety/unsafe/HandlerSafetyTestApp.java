package dev.sluice.testapps.safety.unsafe;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.testapps.safety.annotations.GuardedBy;
import dev.sluice.testapps.safety.annotations.ThreadSafe;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Two controllers with the two commonest web races (a counter and a plain map cache on
 * the singleton), one safe controller, and fields made safe by other means and annotated
 * so.
 */
@SpringBootApplication
public class HandlerSafetyTestApp {

	@RestController
	static class CountingController {

		private int count;

		@GetMapping("/count")
		int count() {
			return ++this.count;
		}

	}

	@RestController
	static class CachingController {

		private final Map<String, String> cache = new HashMap<>();

		@GetMapping("/cache/{key}")
		String cached(@PathVariable String key) {
			return this.cache.computeIfAbsent(key, String::toUpperCase);
		}

	}

	@RestController
	static class SafeController {

		private final AtomicLong hits = new AtomicLong();

		private final Map<String, String> cache = new ConcurrentHashMap<>();

		private final Greeter greeter;

		@Value("${greeting.suffix:!}")
		private String suffix;

		SafeController(Greeter greeter) {
			this.greeter = greeter;
		}

		@GetMapping("/safe/{name}")
		String greet(@PathVariable String name) {
			this.hits.incrementAndGet();
			return this.cache.computeIfAbsent(name, this.greeter::greet) + this.suffix;
		}

	}

	@Service
	static class Greeter {

		private final String greeting;

		Greeter(@Value("${greeting.word:Hello}") String greeting) {
			this.greeting = greeting;
		}

		String greet(String name) {
			return this.greeting + ", " + name;
		}

	}

	@RestController
	static class GuardedController {

		@GuardedBy("this")
		private int visits;

		@GetMapping("/visits")
		synchronized int visit() {
			return ++this.visits;
		}

	}

	@ThreadSafe
	@RestController
	static class SynchronizedController {

		private final Map<String, Integer> seen = new HashMap<>();

		@GetMapping("/seen/{key}")
		synchronized int seen(@PathVariable String key) {
			return this.seen.merge(key, 1, Integer::sum);
		}

	}

}
