package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitRuleTests {

	@Test
	void thePolicyHeaderNamesEveryLimitAndGivesItsWindowInWholeSecondsRoundedUp() {
		RateLimitRule rule = new RateLimitRule("api", List.of(PathPatternParser.defaultInstance.parse("/**")),
				Set.of(), "", (request) -> "k", OnMissingKey.IP,
				List.of(new Limit(100, 100, Duration.ofMinutes(1)), new Limit(10, 10, Duration.ofMillis(500)),
						new Limit(5, 5, Duration.ofMillis(1_500))));
		assertThat(rule.policyHeader()).isEqualTo("\"api\";q=100;w=60, \"api-2\";q=10;w=1, \"api-3\";q=5;w=2");
	}

}
