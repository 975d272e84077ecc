package dev.sluice.shutdown;

import java.util.Arrays;

import dev.sluice.pool.UnfinishedTask;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool reports unfinished tasks in its own terms; every reason it can give has the
 * same-named reason of {@link AbandonedTask}, and the other way round.
 */
class AbandonedTaskReasonTests {

	@Test
	void everyReasonAPoolReportsIsAnAbandonedTaskReason() {
		assertThat(Arrays.stream(UnfinishedTask.Reason.values()).map(Enum::name))
			.containsExactlyElementsOf(Arrays.stream(AbandonedTask.Reason.values()).map(Enum::name).toList());
	}

}
