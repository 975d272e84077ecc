package dev.sluice.deadline;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes {@link InboundBudgets}, the parser of the budgets callers state in
 * {@code sluice.deadline.inbound-headers}: milliseconds ({@code X-Request-Timeout-Ms},
 * Envoy's {@code x-envoy-expected-rq-timeout-ms}) and gRPC's {@code grpc-timeout}
 * ({@code 250m}). Whatever the values, the budget is exactly the smallest positive one a
 * reference reading (regular expressions and {@link BigInteger}) finds, never zero or
 * negative, never above the cap; through {@link DeadlineFilter} the request's deadline is
 * never longer than its route's timeout nor than that budget. Regression mode runs the
 * inputs under
 * {@code src/test/resources/dev/sluice/deadline/InboundBudgetsFuzzTestsInputs}; see
 * FUZZING.md.
 */
class InboundBudgetsFuzzTests {

	private static final String MILLIS = "X-Request-Timeout-Ms";

	private static final String ENVOY = "x-envoy-expected-rq-timeout-ms";

	private static final String GRPC = "grpc-timeout";

	private static final String CUSTOM_GRPC = "X-Budget";

	private static final Pattern MILLIS_FORMAT = Pattern.compile("[0-9]{1,12}");

	private static final Pattern GRPC_FORMAT = Pattern.compile("([0-9]{1,8})([HMSmun])");

	private static final char[] GRPC_UNITS = { 'H', 'M', 'S', 'm', 'u', 'n' };

	private static final DeadlineWatchdog watchdog = new DeadlineWatchdog();

	@AfterAll
	static void closeWatchdog() {
		watchdog.close();
	}

	@FuzzTest(maxDuration = "10m")
	void theBudgetIsTheSmallestValidOneAndOnlyShortensTheRoute(FuzzedDataProvider data) throws Exception {
		Duration route = Duration.ofMillis(data.consumeLong(1, Duration.ofDays(1).toMillis()));
		List<String> entries = new ArrayList<>();
		Map<String, String> values = new HashMap<>();
		Map<String, Boolean> grpcFormat = new HashMap<>();
		int configured = data.consumeInt(1, 15);
		String[] names = { MILLIS, ENVOY, GRPC, CUSTOM_GRPC };
		String[] entryOf = { MILLIS, ENVOY + ":ms", "GRPC-Timeout", CUSTOM_GRPC + ":grpc" };
		for (int i = 0; i < names.length; i++) {
			if ((configured & (1 << i)) != 0) {
				entries.add(entryOf[i]);
				grpcFormat.put(names[i].toLowerCase(Locale.ROOT), i >= 2);
				if (data.consumeBoolean()) {
					values.put(names[i].toLowerCase(Locale.ROOT), value(data, i >= 2));
				}
			}
		}
		InboundBudgets budgets = InboundBudgets.of(entries);
		Function<String, String> headers = (name) -> values.get(name.toLowerCase(Locale.ROOT));
		long expected = reference(values, grpcFormat);
		long budget = budgets.budgetNanos(headers);
		assertThat(budget).as("budget of %s", values).isEqualTo(expected);
		assertThat(budget).as("budget of %s", values).isNotZero().isBetween(-1L, InboundBudgets.MAX_BUDGET_NANOS);

		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/work");
		values.forEach(request::addHeader);
		DeadlineFilter filter = new DeadlineFilter(new DeadlineRoutes(List.of(), route, null), watchdog, budgets, false,
				504, false);
		AtomicLong remaining = new AtomicLong(Long.MIN_VALUE);
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> {
			Deadline deadline = Deadline.current().orElseThrow();
			remaining.set(deadline.remainingNanos());
			assertThat(deadline.timeout()).as("timeout with %s on a %s route", values, route)
				.isBetween(Duration.ZERO, route);
			res.getWriter().write("ok");
		});
		assertThat(response.getStatus()).as("status with %s", values).isIn(200, 504);
		assertThat(remaining.get()).as("remaining with %s", values).isBetween(0L, route.toNanos());
		if (expected > 0) {
			assertThat(remaining.get()).as("remaining with %s", values).isLessThanOrEqualTo(expected);
		}
	}

	/**
	 * Parsing reads a bounded prefix of a value: an 8,000-character value costs what a
	 * 12-character one does (a parser that scanned it all would cost hundreds of times
	 * more). The fastest of many batches is compared, with a wide margin for a busy
	 * machine.
	 */
	@Test
	void parsingTimeDoesNotGrowWithTheValue() {
		String shortMillis = "123456789012";
		String longMillis = "1".repeat(8_000);
		String shortGrpc = "12345678m";
		String longGrpc = "1".repeat(7_999) + "m";
		long shortNanos = fastestBatch(shortMillis, shortGrpc);
		long longNanos = fastestBatch(longMillis, longGrpc);
		assertThat(InboundBudgets.parseMillis(longMillis)).isEqualTo(-1);
		assertThat(InboundBudgets.parseGrpcTimeout(longGrpc)).isEqualTo(-1);
		assertThat(longNanos).as("8,000 characters: %d ns a batch; 12: %d ns", longNanos, shortNanos)
			.isLessThan(Math.max(shortNanos, 1_000) * 20);
	}

	private static long fastestBatch(String millis, String grpc) {
		long fastest = Long.MAX_VALUE;
		long sink = 0;
		for (int batch = 0; batch < 200; batch++) {
			long start = System.nanoTime();
			for (int i = 0; i < 1_000; i++) {
				sink += InboundBudgets.parseMillis(millis) + InboundBudgets.parseGrpcTimeout(grpc);
			}
			fastest = Math.min(fastest, System.nanoTime() - start);
		}
		assertThat(sink).isNotZero();
		return fastest;
	}

	/** A value a caller might send: well formed, almost well formed or anything. */
	private static String value(FuzzedDataProvider data, boolean grpc) {
		return switch (data.consumeInt(0, 2)) {
			case 0 -> grpc ? data.consumeLong(0, 999_999_999L) + String.valueOf(data.pickValue(GRPC_UNITS))
					: Long.toString(data.consumeLong(0, Long.MAX_VALUE));
			case 1 -> data.consumeLong(Long.MIN_VALUE, Long.MAX_VALUE) + data.consumeString(2);
			default -> data.consumeString(data.consumeInt(0, 24));
		};
	}

	/** What the callers meant, read by regular expressions and without overflow. */
	private static long reference(Map<String, String> values, Map<String, Boolean> grpcFormat) {
		BigInteger smallest = null;
		for (Map.Entry<String, String> entry : values.entrySet()) {
			BigInteger nanos = grpcFormat.get(entry.getKey()) ? grpcNanos(entry.getValue())
					: millisNanos(entry.getValue());
			if (nanos != null && nanos.signum() > 0 && (smallest == null || nanos.compareTo(smallest) < 0)) {
				smallest = nanos;
			}
		}
		if (smallest == null) {
			return -1;
		}
		return smallest.min(BigInteger.valueOf(InboundBudgets.MAX_BUDGET_NANOS)).longValueExact();
	}

	private static BigInteger millisNanos(String value) {
		return MILLIS_FORMAT.matcher(value).matches() ? new BigInteger(value).multiply(BigInteger.valueOf(1_000_000))
				: null;
	}

	private static BigInteger grpcNanos(String value) {
		Matcher matcher = GRPC_FORMAT.matcher(value);
		if (!matcher.matches()) {
			return null;
		}
		long unit = switch (matcher.group(2).charAt(0)) {
			case 'H' -> 3_600_000_000_000L;
			case 'M' -> 60_000_000_000L;
			case 'S' -> 1_000_000_000L;
			case 'm' -> 1_000_000L;
			case 'u' -> 1_000L;
			default -> 1L;
		};
		return new BigInteger(matcher.group(1)).multiply(BigInteger.valueOf(unit));
	}

}
