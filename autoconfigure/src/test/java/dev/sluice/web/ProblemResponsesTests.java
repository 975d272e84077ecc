package dev.sluice.web;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemResponsesTests {

	@Test
	void bodyIsValidJsonWithEveryMemberEscaped() {
		Map<String, Object> extensions = new LinkedHashMap<>();
		extensions.put("rule", "lo\"gin\n");
		extensions.put("retryAfter", 3);
		String body = ProblemResponses.body(429, "https://sluice.dev/problems/rate-limited", "Too Many Requests",
				"tab\there \\ \u0001", "/login", extensions);
		JsonNode json = JsonMapper.builder().build().readTree(body);
		assertThat(json.get("type").asString()).isEqualTo("https://sluice.dev/problems/rate-limited");
		assertThat(json.get("title").asString()).isEqualTo("Too Many Requests");
		assertThat(json.get("status").asInt()).isEqualTo(429);
		assertThat(json.get("detail").asString()).isEqualTo("tab\there \\ \u0001");
		assertThat(json.get("instance").asString()).isEqualTo("/login");
		assertThat(json.get("rule").asString()).isEqualTo("lo\"gin\n");
		assertThat(json.get("retryAfter").asInt()).isEqualTo(3);
	}

}
