package dev.stabilis.demo;

import ai.djl.Device;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.model.ModelRepository;
import dev.stabilis.service.Evaluation;
import dev.stabilis.service.ModelPipeline;
import dev.stabilis.service.PipelineOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's traffic: held-out digits whose top-k explanation is certified at the policy's ε, by bounds or by
 * smoothing as the policy says (normal traffic), and digits or blends of two digits that are not certified and whose explanation an attack manipulates (the
 * injected unstable samples). Both are judged once at start with the runner's own pipeline and policy, so the
 * alerts the demo shows are the ones the injected samples should raise.
 *
 * @param stable inputs with a certified top-k set
 * @param unstable inputs an attack manipulates
 * @param stableClasses the predicted class of each stable input
 * @param unstableClasses the predicted class of each unstable input
 */
public record DemoPools(List<float[]> stable, List<float[]> unstable, List<Integer> stableClasses, List<Integer> unstableClasses) {

    private static final String HELD_OUT = "digits-heldout.csv";

    /** Held-out digits shipped with the demo (grey levels 0..16 and the label, as made by tools/fixtures/make_test_rows.py). */
    static List<float[]> heldOutDigits() {
        try (InputStream in = DemoPools.class.getResourceAsStream(HELD_OUT)) {
            return List.of(LabelledRows.readCsv(in, HELD_OUT, false, 1 / 16.0).features());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Judges the held-out digits and blends of neighbouring pairs with the model's pipeline. */
    public static DemoPools judge(ModelRepository repository, String model, String version) {
        List<float[]> digits = heldOutDigits();
        List<float[]> candidates = new ArrayList<>(digits);
        for (int i = 0; i + 1 < digits.size(); i += 2) {
            float[] blend = new float[64];
            for (int f = 0; f < 64; f++) {
                blend[f] = (digits.get(i)[f] + digits.get(i + 1)[f]) / 2;
            }
            candidates.add(blend);
        }
        List<float[]> stable = new ArrayList<>();
        List<float[]> unstable = new ArrayList<>();
        List<Integer> stableClasses = new ArrayList<>();
        List<Integer> unstableClasses = new ArrayList<>();
        try (ModelPipeline pipeline = new ModelPipeline(repository.load(model, version, Device.cpu()),
                new PipelineOptions(false, true, false, true, 0))) {
            List<Evaluation> judged = pipeline.evaluate(candidates.toArray(float[][]::new));
            for (int i = 0; i < candidates.size(); i++) {
                Evaluation e = judged.get(i);
                boolean certified = e.topkCertified();
                if (certified && i < digits.size()) {
                    stable.add(candidates.get(i));
                    stableClasses.add(e.predicted());
                } else if (!certified && e.empirical().attack().success()) {
                    unstable.add(candidates.get(i));
                    unstableClasses.add(e.predicted());
                }
            }
        }
        if (stable.isEmpty() || unstable.isEmpty()) {
            throw new IllegalStateException("the demo needs stable and unstable digits at the policy's ε; found " + stable.size()
                    + " stable and " + unstable.size() + " unstable");
        }
        return new DemoPools(stable, unstable, stableClasses, unstableClasses);
    }
}
