package dev.sluice.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class SampleApplicationTests {

	@LocalServerPort
	int port;

	@Test
	void sampleAppStartsAndReportsHealthUp() {
		String health = RestClient.create("http://localhost:" + this.port).get().uri("/actuator/health")
			.retrieve().body(String.class);
		assertThat(health).contains("\"status\":\"UP\"");
	}

}
