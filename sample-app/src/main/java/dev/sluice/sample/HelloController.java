package dev.sluice.sample;

import java.util.List;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Rate-limited endpoints: {@code /hello} per client IP, {@code /api/items} per API key
 * (see {@code sluice.rate-limit.rules} in {@code application.yml}). The limits live
 * entirely in configuration.
 */
@RestController
class HelloController {

	@GetMapping("/hello")
	Map<String, String> hello() {
		return Map.of("message", "hello");
	}

	@GetMapping("/api/items")
	List<String> items(@RequestHeader("X-API-Key") String apiKey) {
		return List.of("item-1 for " + apiKey, "item-2 for " + apiKey);
	}

}
