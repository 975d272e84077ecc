package dev.sluice.web;

import java.util.LinkedHashMap;
import java.util.List;
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

	@Test
	void aCollectionBecomesAJsonArray() {
		Map<String, Object> extensions = new LinkedHashMap<>();
		extensions.put("violated-policies", List.of("api", "api-\"2\""));
		extensions.put("none", List.of());
		String body = ProblemResponses.body(429, ProblemResponses.QUOTA_EXCEEDED_TYPE, "t", "d", "/", extensions);
		JsonNode json = JsonMapper.builder().build().readTree(body);
		assertThat(json.get("violated-policies").isArray()).isTrue();
		assertThat(json.get("violated-policies").get(0).asString()).isEqualTo("api");
		assertThat(json.get("violated-policies").get(1).asString()).isEqualTo("api-\"2\"");
		assertThat(json.get("none").isArray()).isTrue();
		assertThat(json.get("none").size()).isZero();
	}

}
