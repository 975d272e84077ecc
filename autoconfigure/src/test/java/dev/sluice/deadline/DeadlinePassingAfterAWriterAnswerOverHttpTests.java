package dev.sluice.deadline;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Found by {@link DeadlineHeaderFuzzTests}: a handler that writes its answer through
 * {@code getWriter()} (as a view does) on time, then passes its deadline before it
 * returns, gets the deadline's problem answer, not a 500 from {@code getOutputStream()}
 * after {@code getWriter()}.
 */
@SpringBootTest(classes = DeadlinePassingAfterAWriterAnswerOverHttpTests.WriterApp.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sluice.deadline.default-timeout=300ms")
@DirtiesContext
class DeadlinePassingAfterAWriterAnswerOverHttpTests {

	@LocalServerPort
	int port;

	@Test
	void anAnswerWrittenOnTimeThroughTheWriterIsReplacedBy504WhenTheHandlerReturnsLate() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/writer")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.body()).contains("\"type\":\"https://sluice.dev/problems/deadline-exceeded\"")
			.contains("\"status\":504")
			.doesNotContain("partial");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(WriterEndpoint.class)
	static class WriterApp {

	}

	@RestController
	static class WriterEndpoint {

		@GetMapping("/writer")
		void writer(HttpServletResponse response) throws IOException, InterruptedException {
			response.getWriter().write("partial"); // on time: no interrupt follows
			Thread.sleep(600); // and the handler returns after its 300 ms deadline
		}

	}

}
