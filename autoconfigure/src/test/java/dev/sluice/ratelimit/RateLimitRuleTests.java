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
		RateLimitRule rule = new RateLimitRule("api", List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(),
				"", (request) -> "k", OnMissingKey.IP, List.of(new Limit(100, 100, Duration.ofMinutes(1)),
						new Limit(10, 10, Duration.ofMillis(500)), new Limit(5, 5, Duration.ofMillis(1_500))));
		assertThat(rule.policyHeader()).isEqualTo("\"api\";q=100;w=60, \"api-2\";q=10;w=1, \"api-3\";q=5;w=2");
	}

	@Test
	void whereCapacityAndRefillDifferTheWindowIsTheTimeToFillFromEmptySoQOverWIsTheRate() {
		RateLimitRule rule = new RateLimitRule("api", List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(),
				"", (request) -> "k", OnMissingKey.IP, List.of(new Limit(10, 1, Duration.ofSeconds(1)),
						new Limit(5, 1, Duration.ofSeconds(2)), new Limit(2, 4, Duration.ofSeconds(3))));
		// a burst of 10 at 1 a second; 5 at one per 2 s; 2 at 4 per 3 s (full after 1.5
		// s, rounded up)
		assertThat(rule.policyHeader()).isEqualTo("\"api\";q=10;w=10, \"api-2\";q=5;w=10, \"api-3\";q=2;w=2");
	}

	@Test
	void policyNamesAreStructuredFieldsStringsWithQuotesAndBackslashesEscaped() {
		RateLimitRule rule = new RateLimitRule("a\"b\\c", List.of(PathPatternParser.defaultInstance.parse("/**")),
				Set.of(), "", (request) -> "k", OnMissingKey.IP,
				List.of(new Limit(1, 1, Duration.ofSeconds(1)), new Limit(2, 2, Duration.ofSeconds(1))));
		assertThat(rule.policyName(1)).isEqualTo("a\"b\\c-2");
		assertThat(rule.policyItem(0)).isEqualTo("\"a\\\"b\\\\c\"");
		assertThat(rule.policyHeader()).isEqualTo("\"a\\\"b\\\\c\";q=1;w=1, \"a\\\"b\\\\c-2\";q=2;w=1");
	}

	@Test
	void greedyRefillTimeIsTokensTimesPeriodOverRefillRoundedDownAndSafeFromOverflow() {
		Limit limit = new Limit(5, 3, Duration.ofSeconds(7));
		assertThat(limit.nanosToRefill(0)).isZero();
		assertThat(limit.nanosToRefill(1)).isEqualTo(2_333_333_333L);
		assertThat(limit.nanosToRefill(3)).isEqualTo(7_000_000_000L);
		Limit huge = new Limit(Long.MAX_VALUE, 1, Duration.ofDays(365));
		assertThat(huge.nanosToRefill(Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE);
		assertThat(huge.nanosToRefill(100)).isEqualTo(Duration.ofDays(365).toNanos() * 100);
	}

}
