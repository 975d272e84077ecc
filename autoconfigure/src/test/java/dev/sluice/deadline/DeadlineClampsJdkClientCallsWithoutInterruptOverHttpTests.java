package dev.sluice.deadline;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The read-timeout clamp of {@link DeadlineClampsCallsWithoutInterruptOverHttpTests} with
 * the JDK {@code HttpClient}, which Spring Boot picks for {@code RestClient} when no
 * other client library is present.
 */
@SpringBootTest(classes = DeadlineTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.http.clients.imperative.factory=jdk", "sluice.deadline.interrupt=false",
				"sluice.deadline.routes[0].paths=/call/**", "sluice.deadline.routes[0].timeout=1s",
				"server.tomcat.threads.max=2", "server.tomcat.threads.min-spare=2" })
@DirtiesContext
class DeadlineClampsJdkClientCallsWithoutInterruptOverHttpTests
		extends DeadlineClampsCallsWithoutInterruptOverHttpTests {

	@Override
	Class<? extends ClientHttpRequestFactory> clientLibrary() {
		return JdkClientHttpRequestFactory.class;
	}

}
