package dev.sluice.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the loopback peer trusted as a proxy, the client is the right-most address of the
 * forwarding headers that is not itself a trusted proxy.
 */
@SpringBootTest(classes = RateLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.rate-limit.client-ip.trusted-proxies=127.0.0.1/32,10.0.0.0/8,::1",
				"sluice.rate-limit.rules[0].name=per-ip", "sluice.rate-limit.rules[0].paths=/ip",
				"sluice.rate-limit.rules[0].key=ip", "sluice.rate-limit.rules[0].limits[0].capacity=1",
				"sluice.rate-limit.rules[0].limits[0].refill=1", "sluice.rate-limit.rules[0].limits[0].period=1h" })
@DirtiesContext
class TrustedProxyOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void theRightMostUntrustedAddressIsTheKey() throws Exception {
		// 6.6.6.6 is what the client claimed; 9.9.9.9 is what our proxy at 10.1.2.3 saw
		// connecting
		assertThat(get("X-Forwarded-For", "6.6.6.6, 9.9.9.9, 10.1.2.3")).isEqualTo(200);
		assertThat(get("X-Forwarded-For", "7.7.7.7, 9.9.9.9")).isEqualTo(429);
		assertThat(get("X-Forwarded-For", "9.9.9.9, 8.8.8.8")).isEqualTo(200);
		assertThat(get("Forwarded", "for=1.1.1.1, for=\"[2001:db8::1]:4711\"")).isEqualTo(200);
		assertThat(get("X-Forwarded-For", "2001:db8::1")).isEqualTo(429);
	}

	@Test
	void aHopThatIsNotAnAddressEndsTheSearchAtThePeer() throws Exception {
		assertThat(get("X-Forwarded-For", "5.5.5.5, not-an-address")).isEqualTo(200); // keyed
																						// on
																						// 127.0.0.1
		assertThat(get("X-Forwarded-For", "unknown")).isEqualTo(429); // the same peer key
	}

	private int get(String header, String value) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/ip"))
			.header(header, value)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
	}

}
