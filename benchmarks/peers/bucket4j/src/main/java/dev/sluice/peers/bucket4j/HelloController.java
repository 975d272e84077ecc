package dev.sluice.peers.bucket4j;

import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The sample app's {@code GET /hello}, answered the same way. */
@RestController
class HelloController {

	@GetMapping("/hello")
	Map<String, String> hello() {
		return Map.of("message", "hello");
	}

}
