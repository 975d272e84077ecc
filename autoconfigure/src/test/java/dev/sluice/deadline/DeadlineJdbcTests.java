package dev.sluice.deadline;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A query longer than the request's budget is cancelled by the driver's query timeout,
 * which Sluice clamps to the remaining time; the request answers 504. Runs against the
 * local PostgreSQL ({@code pg_sleep} honours the timeout per statement); skipped with a
 * message when it does not answer, unless {@code CI=true}.
 */
@SpringBootTest(classes = DeadlineJdbcTests.JdbcApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/test",
				"spring.datasource.username=postgres", "sluice.deadline.default-timeout=1500ms" })
@DirtiesContext
class DeadlineJdbcTests {

	@LocalServerPort
	int port;

	@BeforeAll
	static void postgresMustAnswer() {
		boolean up;
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", 5432), 1_000);
			up = true;
		}
		catch (Exception ex) {
			up = false;
		}
		if (!up && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("PostgreSQL on 127.0.0.1:5432 does not answer, and CI=true requires it");
		}
		Assumptions.assumeTrue(up, "PostgreSQL on 127.0.0.1:5432 does not answer: skipping the JDBC deadline test");
	}

	@Test
	void aQueryLongerThanTheBudgetIsCancelledByTheClampedQueryTimeoutAndAnswers504() throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		long start = System.nanoTime();
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/report")).build(),
				HttpResponse.BodyHandlers.ofString());
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).contains("deadline");
		// 1.5 s left rounds up to a 2 s query timeout; pg_sleep(30) would take 30 s.
		assertThat(millis).isBetween(1_500L, 3_500L);
	}

	@Test
	void theQueryTimeoutIsClampedToTheRemainingTimeRoundedUpAndNeverZero() throws Exception {
		HttpClient http = HttpClient.newHttpClient();
		HttpResponse<String> response = http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/timeouts")).build(),
				HttpResponse.BodyHandlers.ofString());
		// default (0 = unlimited) becomes 2 (1.5 s rounded up); an explicit 30 becomes 2;
		// an explicit 1 stays 1
		assertThat(response.body()).isEqualTo("2,2,1");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(ReportController.class)
	static class JdbcApp {

	}

	@RestController
	static class ReportController {

		private final JdbcTemplate jdbc;

		private final javax.sql.DataSource dataSource;

		ReportController(JdbcTemplate jdbc, javax.sql.DataSource dataSource) {
			this.jdbc = jdbc;
			this.dataSource = dataSource;
		}

		@GetMapping("/report")
		String report() {
			return this.jdbc.queryForObject("SELECT pg_sleep(30)::text", String.class);
		}

		@GetMapping("/timeouts")
		String timeouts() throws Exception {
			try (var connection = this.dataSource.getConnection(); var statement = connection.createStatement()) {
				statement.execute("SELECT 1");
				int byDefault = (statement.unwrap(org.postgresql.PGStatement.class) != null)
						? ((java.sql.Statement) statement.unwrap(java.sql.Statement.class)).getQueryTimeout() : -1;
				statement.setQueryTimeout(30);
				int explicit = statement.unwrap(java.sql.Statement.class).getQueryTimeout();
				statement.setQueryTimeout(1);
				int shorter = statement.unwrap(java.sql.Statement.class).getQueryTimeout();
				return byDefault + "," + explicit + "," + shorter;
			}
		}

	}

}
