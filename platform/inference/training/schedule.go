package training

import "math"

// learningRate is the step size for a step (0-based) of a run of total
// steps, steps per epoch: a linear warm-up from a tenth of the peak, then
// the schedule.
func learningRate(o *Options, step, perEpoch, total int) float64 {
	warm := int(o.WarmupEpochs * float64(perEpoch))
	if step < warm {
		return o.LearningRate * (0.1 + 0.9*float64(step)/float64(warm))
	}
	switch o.Schedule {
	case ScheduleCosine:
		const floor = 0.01
		t := float64(step-warm) / float64(max(total-warm, 1))
		return o.LearningRate * (floor + (1-floor)*0.5*(1+math.Cos(math.Pi*t)))
	case ScheduleStep:
		return o.LearningRate * math.Pow(o.StepGamma, float64(step/perEpoch/o.StepEvery))
	}
	return o.LearningRate
}
