package dev.sluice.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import dev.sluice.deadline.Deadline;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Headers a fuzzer would send, over real HTTP to Tomcat, with the loopback peer trusted
 * as a proxy (so the forwarding headers are read): each is answered normally, and the
 * per-IP limit keys it on the socket peer. The rule allows one request per key per hour,
 * so a second request on the same key is rejected.
 */
@SpringBootTest(classes = { RateLimitTestApp.class, HostileHeadersOverHttpTests.BudgetEndpoint.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.rate-limit.client-ip.trusted-proxies=127.0.0.1/32,::1",
				"sluice.rate-limit.rules[0].name=per-ip", "sluice.rate-limit.rules[0].paths=/budget",
				"sluice.rate-limit.rules[0].key=ip", "sluice.rate-limit.rules[0].limits[0].capacity=1",
				"sluice.rate-limit.rules[0].limits[0].refill=1", "sluice.rate-limit.rules[0].limits[0].period=1h",
				"sluice.deadline.default-timeout=10s" })
@DirtiesContext
class HostileHeadersOverHttpTests {

	private static final String LONG_XFF = longForwardedFor();

	private static final String BROKEN_FORWARDED = "for=\"1.2.3.4;by=\"\", for=\"[2001:db8::1\"";

	private static final String HUGE_BUDGET = "99999999999999999999";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void aLongXffBrokenForwardedAndHugeDeadlineAreAnsweredAndKeyedOnThePeer() throws Exception {
		assertThat(LONG_XFF.length()).isBetween(6 * 1024, 6 * 1024 + 16);
		HttpResponse<String> hostile = get("X-Forwarded-For", LONG_XFF, "Forwarded", BROKEN_FORWARDED,
				"X-Request-Timeout-Ms", HUGE_BUDGET);
		assertThat(hostile.statusCode()).isEqualTo(200);
		assertThat(hostile.body()).isEqualTo("10000"); // the route's timeout: the budget
														// header was ignored
		// the peer's one token is gone: every request keyed on the peer is now limited
		assertThat(get().statusCode()).isEqualTo(429);
		assertThat(get("X-Forwarded-For", LONG_XFF).statusCode()).isEqualTo(429);
		assertThat(get("Forwarded", BROKEN_FORWARDED).statusCode()).isEqualTo(429);
		assertThat(get("X-Request-Timeout-Ms", HUGE_BUDGET).statusCode()).isEqualTo(429);
		// while a readable header from the trusted peer is a key of its own
		assertThat(get("X-Forwarded-For", "9.9.9.9").statusCode()).isEqualTo(200);
	}

	@Test
	void aProxysOwnXffLineIsReadAfterTheLineTheClientWrote() throws Exception {
		// the client wrote 6.6.6.6; the proxy added its own line with what it saw,
		// 7.7.7.7
		assertThat(get("X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "7.7.7.7").statusCode()).isEqualTo(200);
		assertThat(get("X-Forwarded-For", "7.7.7.7").statusCode()).isEqualTo(429);
		assertThat(get("X-Forwarded-For", "6.6.6.6").statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> get(String... headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/budget"));
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isNotEqualTo(500);
		return response;
	}

	private static String longForwardedFor() {
		StringBuilder header = new StringBuilder("6.6.6.6");
		for (int i = 0; header.length() < 6 * 1024; i++) {
			header.append(", 198.51.100.").append(i % 250);
		}
		return header.toString();
	}

	@RestController
	static class BudgetEndpoint {

		@GetMapping("/budget")
		String budget() {
			return Long.toString(Deadline.current().orElseThrow().timeout().toMillis());
		}

	}

}
