package dev.sluice.deadline;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the inbound deadline header through {@link DeadlineFilter}: whatever lines a
 * client sends, the request runs (never an error: 200, or 504 when its deadline passed),
 * and its deadline is no later than the route's timeout and, when the first line is a
 * positive number of milliseconds, no later than that budget. The parse reads at most 12
 * characters of one line, so its time does not grow with the header. Regression mode runs
 * the inputs under
 * {@code src/test/resources/dev/sluice/deadline/DeadlineHeaderFuzzTestsInputs}; see
 * FUZZING.md.
 */
class DeadlineHeaderFuzzTests {

	private static final String HEADER = "X-Request-Timeout-Ms";

	private static final DeadlineWatchdog watchdog = new DeadlineWatchdog();

	@AfterAll
	static void closeWatchdog() {
		watchdog.close();
	}

	@FuzzTest(maxDuration = "10m")
	void theInboundBudgetOnlyShortensTheRoutesTimeout(FuzzedDataProvider data) throws Exception {
		Duration route = Duration.ofMillis(data.consumeLong(1, Duration.ofDays(1).toMillis()));
		MockHttpServletRequest request = new MockHttpServletRequest("GET", "/work");
		for (int i = data.consumeInt(0, 3); i > 0; i--) {
			request.addHeader(HEADER, data.consumeString(data.consumeInt(0, 64)));
		}
		String first = request.getHeader(HEADER);
		DeadlineFilter filter = new DeadlineFilter(new DeadlineRoutes(List.of(), route, null), watchdog, HEADER, false,
				504);
		AtomicReference<Deadline> seen = new AtomicReference<>();
		AtomicReference<Long> remaining = new AtomicReference<>();
		MockHttpServletResponse response = new MockHttpServletResponse();
		filter.doFilter(request, response, (req, res) -> {
			Deadline deadline = Deadline.current().orElseThrow();
			remaining.set(deadline.remainingNanos());
			seen.set(deadline);
			res.getWriter().write("ok");
		});
		assertThat(seen.get()).isSameAs(request.getAttribute(DeadlineFilter.DEADLINE_ATTRIBUTE));
		// a budget of a few ms may pass before the handler writes: then the deadline's
		// own answer
		assertThat(response.getStatus()).as("status with %s: '%s'", HEADER, first).isIn(200, 504);
		if (response.getStatus() == 504) {
			assertThat(seen.get().isExpired()).isTrue();
		}
		Duration timeout = seen.get().timeout();
		assertThat(timeout).as("timeout with '%s' on a %s route", first, route).isBetween(Duration.ZERO, route);
		assertThat(remaining.get()).isBetween(0L, route.toNanos());
		Long budget = budgetMillis(first);
		if (budget != null && budget > 0) {
			assertThat(remaining.get()).as("remaining with '%s'", first)
				.isLessThanOrEqualTo(Duration.ofMillis(budget).toNanos());
		}
	}

	/**
	 * What a client meant: a plain decimal number of milliseconds that a long holds, else
	 * nothing.
	 */
	private static Long budgetMillis(String value) {
		if (value == null || !value.matches("[0-9]{1,12}")) {
			return null;
		}
		return Long.parseLong(value);
	}

}
