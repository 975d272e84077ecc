package dev.sluice.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With one request thread, the thread whose request timed out serves the next ones: none
 * may see the interrupt, nor any earlier request's deadline. Also the 503 variant of the
 * status.
 */
@SpringBootTest(classes = { DeadlineTestApp.class, DeadlineOnOneRequestThreadTests.Probe.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1",
				"sluice.deadline.default-timeout=1s", "sluice.deadline.status=503" })
@DirtiesContext
class DeadlineOnOneRequestThreadTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	DeadlineTestApp.Endpoints endpoints;

	@Autowired
	Probe probe;

	@Test
	void aTimedOutRequestLeavesNoInterruptForTheNextRequestsOnTheSameThread() throws Exception {
		HttpResponse<String> timedOut = get("/sleep");
		assertThat(timedOut.statusCode()).isEqualTo(503);
		assertThat(timedOut.body()).contains("\"title\":\"Service Unavailable\"");
		for (int i = 0; i < 10; i++) {
			HttpResponse<String> ordinary = get("/ordinary");
			assertThat(ordinary.statusCode()).as("ordinary request %d", i).isEqualTo(200);
			assertThat(ordinary.body()).isEqualTo("ok");
		}
		assertThat(this.endpoints.interruptedOnEntry).hasValue(0);
	}

	@Test
	void theRequestThreadCarriesNoDeadlineFromOneRequestToTheNext() throws Exception {
		int before = this.probe.requests.get();
		for (int i = 0; i < 5; i++) {
			assertThat(get("/ordinary").statusCode()).isEqualTo(200);
		}
		assertThat(get("/sleep").statusCode()).isEqualTo(503);
		assertThat(get("/ordinary").statusCode()).isEqualTo(200);
		assertThat(this.probe.requests.get() - before).isEqualTo(7);
		assertThat(this.probe.deadlineOnEntry).hasValue(0);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * A filter ahead of Sluice's: what the (one) request thread carries before the
	 * deadline stage gives the request its own deadline.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Probe {

		final AtomicInteger requests = new AtomicInteger();

		final AtomicInteger deadlineOnEntry = new AtomicInteger();

		@Bean
		FilterRegistrationBean<Filter> deadlineProbe() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				this.requests.incrementAndGet();
				if (Deadline.current().isPresent()) {
					this.deadlineOnEntry.incrementAndGet();
				}
				chain.doFilter(request, response);
			});
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			return registration;
		}

	}

}
