package dev.sluice.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ReactorClientHttpRequestFactory;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code interrupt: false} the handler thread is left alone at its deadline, but a
 * {@code RestClient} call it is waiting in is still cut when the deadline passes (the
 * read-timeout clamp), so the client gets its 504 at the deadline, not when the 5 s
 * downstream answers. Two request threads: while the downstream holds one, the one that
 * made the cut call serves the next requests, and none may see an interrupt.
 */
@SpringBootTest(classes = DeadlineTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.deadline.interrupt=false", "sluice.deadline.routes[0].paths=/call/**",
				"sluice.deadline.routes[0].timeout=1s", "server.tomcat.threads.max=2",
				"server.tomcat.threads.min-spare=2" })
@DirtiesContext
class DeadlineClampsCallsWithoutInterruptOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	DeadlineTestApp.Endpoints endpoints;

	@Autowired
	ClientHttpRequestFactoryBuilder<?> requestFactoryBuilder;

	/**
	 * The client library the clamp is tested with here: what Spring Boot picks with this
	 * test classpath (Reactor Netty, which the WebClient tests bring, comes before the
	 * JDK client).
	 * @return the request factory type
	 */
	Class<? extends ClientHttpRequestFactory> clientLibrary() {
		return ReactorClientHttpRequestFactory.class;
	}

	@BeforeEach
	void warmUpTheClient() throws Exception {
		// The first call through a client library loads and starts it (Reactor Netty:
		// seconds on a busy machine).
		assertThat(get("/call/echo").statusCode()).isIn(200, 504); // 504 if warming up
																	// took the whole
																	// second
	}

	@Test
	void theRestClientUnderTestUsesTheExpectedClientLibrary() {
		assertThat(this.requestFactoryBuilder.build(HttpClientSettings.defaults())).isInstanceOfSatisfying(
				DeadlineClientHttpRequestFactory.class,
				(factory) -> assertThat(factory.getDelegate()).isInstanceOf(clientLibrary()));
	}

	@Test
	void aCallToASlowDownstreamIsCutAtTheDeadlineWithoutInterruptingTheHandler() throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get("/call/slow");
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).contains("deadline-exceeded");
		assertThat(millis).as("answered at the 1 s deadline, not after the 5 s downstream").isBetween(1_000L, 2_500L);
		// The downstream still sleeps on the other thread, so the thread whose call was
		// cut serves these.
		for (int i = 0; i < 6; i++) {
			assertThat(get("/ordinary").statusCode()).as("ordinary request %d", i).isEqualTo(200);
		}
		assertThat(this.endpoints.interruptedOnEntry).hasValue(0);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
