package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.autoconfigure.SluiceRateLimitAutoConfiguration;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the key of every key kind as the auto-configuration builds it ({@code global},
 * {@code ip}, {@code header:<Name>}, {@code principal}, {@code bean:<name>}, with the
 * missing-key fallbacks) through {@link RateLimitFilter} over a store that records what
 * it is asked: every key is the kind's prefix and the value exactly as sent (any
 * characters), a value longer than {@value RateLimitRule#MAX_KEY_LENGTH} characters is
 * missing, and no key is longer than the cap plus its prefix. Regression mode runs the
 * inputs under
 * {@code src/test/resources/dev/sluice/ratelimit/RateLimitKeyFuzzTestsInputs}; see
 * FUZZING.md.
 */
class RateLimitKeyFuzzTests {

	private static final String TENANT = "fuzz.tenant";

	private static List<RateLimitRule> rules;

	private static ClientIpResolver clientIp;

	private static final List<String[]> asked = new ArrayList<>();

	private static RateLimitFilter filter;

	@BeforeAll
	static void buildTheRulesAsAnApplicationWould() {
		String[] kinds = { "global", "ip", "header:X-API-Key", "principal", "bean:tenantKey" };
		String[] missing = { "ip", "ip", "ip", "global", "skip" };
		List<String> properties = new ArrayList<>(List.of("sluice.rate-limit.client-ip.trusted-proxies=10.0.0.0/8"));
		for (int i = 0; i < kinds.length; i++) {
			String rule = "sluice.rate-limit.rules[" + i + "].";
			properties.addAll(List.of(rule + "name=" + kinds[i].replace(':', '-'), rule + "paths=/**",
					rule + "key=" + kinds[i], rule + "on-missing-key=" + missing[i], rule + "limits[0].capacity=1",
					rule + "limits[0].refill=1", rule + "limits[0].period=1h"));
		}
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SluiceRateLimitAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new))
			.withBean("tenantKey", RateLimitKeyResolver.class, () -> (request) -> (String) request.getAttribute(TENANT))
			.run((context) -> {
				rules = context.getBean(RateLimiters.class).rules();
				clientIp = context.getBean(ClientIpResolver.class);
			});
		RateLimitStore recording = new RateLimitStore() {

			@Override
			public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
				asked.add(new String[] { rule.name(), key });
				return new RateLimitDecision(true, 0, Duration.ZERO, Duration.ZERO);
			}

			@Override
			public void refund(RateLimitRule rule, String key) {
			}

			@Override
			public OptionalLong keyCount(RateLimitRule rule) {
				return OptionalLong.of(0);
			}

		};
		filter = new RateLimitFilter(new RateLimiters(rules, recording, OnStoreFailure.ALLOW), clientIp, true);
	}

	@FuzzTest(maxDuration = "10m")
	void everyKeyIsItsKindsPrefixAndTheValueAsSentWithinTheCap(FuzzedDataProvider data) throws Exception {
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/items");
		request.setRemoteAddr(data.consumeBoolean() ? "10.1.2.3" : "192.0.2." + data.consumeInt(1, 254));
		for (int i = data.consumeInt(0, 2); i > 0; i--) {
			request.addHeader("X-API-Key", value(data));
		}
		if (data.consumeBoolean()) {
			request.addHeader("X-Forwarded-For", value(data));
		}
		String principal = data.consumeBoolean() ? value(data) : null;
		if (principal != null) {
			request.setUserPrincipal(() -> principal);
		}
		String tenant = data.consumeBoolean() ? value(data) : null;
		request.setAttribute(TENANT, tenant);
		String apiKey = request.getHeader("X-API-Key");
		String ip = "ip:" + clientIp.resolve(request);

		asked.clear();
		AtomicInteger handled = new AtomicInteger();
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> handled.incrementAndGet());

		assertThat(handled).hasValue(1);
		List<String> expected = new ArrayList<>(
				List.of("global=global", "ip=" + ip, "header-X-API-Key=" + (present(apiKey) ? "h:" + apiKey : ip),
						"principal=" + (present(principal) ? "p:" + principal : "global")));
		if (present(tenant)) {
			expected.add("bean-tenantKey=b:" + tenant);
		}
		assertThat(asked).map((pair) -> pair[0] + "=" + pair[1]).containsExactlyElementsOf(expected);
		assertThat(asked).allSatisfy((pair) -> assertThat(pair[1].length())
			.isLessThanOrEqualTo("ip:".length() + RateLimitRule.MAX_KEY_LENGTH));
	}

	private static boolean present(String value) {
		return value != null && !value.isEmpty() && value.length() <= RateLimitRule.MAX_KEY_LENGTH;
	}

	private static String value(FuzzedDataProvider data) {
		return data.consumeString(data.consumeBoolean() ? 300 : 20);
	}

}
