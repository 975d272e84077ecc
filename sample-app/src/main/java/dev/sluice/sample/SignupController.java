package dev.sluice.sample;

import java.util.Map;

import dev.sluice.pool.WorkerPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A signup that answers at once and sends the welcome email in the background, on the
 * bounded {@code emails} pool. When the pool is full, the signup is answered 503 with
 * {@code Retry-After: 1}.
 */
@RestController
class SignupController {

	private static final Logger logger = LoggerFactory.getLogger(SignupController.class);

	private final WorkerPool emails;

	SignupController(@Qualifier("emails") WorkerPool emails) {
		this.emails = emails;
	}

	@PostMapping("/signup")
	@ResponseStatus(HttpStatus.ACCEPTED)
	Map<String, String> signUp(@RequestParam String email) {
		String jobId = "welcome-" + email;
		this.emails.submit(jobId, () -> sendWelcomeEmail(email));
		logger.info("Signed up {}; welcome email queued as job {}", email, jobId);
		return Map.of("email", email, "job", jobId);
	}

	private static void sendWelcomeEmail(String email) {
		try {
			Thread.sleep(200); // a slow mail server
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while sending to " + email, ex);
		}
		logger.info("Sent welcome email to {}", email);
	}

}
