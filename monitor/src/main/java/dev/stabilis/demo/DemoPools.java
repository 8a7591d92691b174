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
 * smoothing as the policy says (normal traffic), and digits or blends of two digits that are not certified and whose
 * explanation an attack manipulates (the injected unstable samples). Both are judged at start with the runner's own
 * pipeline and policy, so the alerts the demo shows are the ones the injected samples should raise. Judging goes
 * through the candidates in order and stops once both pools are full: the attack, the costly part, runs only on
 * uncertified candidates and only until {@value #UNSTABLE_POOL} of them are found.
 *
 * @param stable inputs with a certified top-k set, at most {@value #STABLE_POOL}
 * @param unstable inputs an attack manipulates, at most {@value #UNSTABLE_POOL}
 * @param stableClasses the predicted class of each stable input
 * @param unstableClasses the predicted class of each unstable input
 */
public record DemoPools(List<float[]> stable, List<float[]> unstable, List<Integer> stableClasses, List<Integer> unstableClasses) {

    /** The most certified digits kept for normal traffic. */
    public static final int STABLE_POOL = 96;
    /** The most manipulated inputs kept for injected unstable samples. */
    public static final int UNSTABLE_POOL = 32;

    private static final String HELD_OUT = "digits-heldout.csv";
    private static final int CHUNK = 32;

    /** Held-out digits shipped with the demo (grey levels 0..16 and the label, as made by tools/fixtures/make_test_rows.py). */
    static List<float[]> heldOutDigits() {
        try (InputStream in = DemoPools.class.getResourceAsStream(HELD_OUT)) {
            return List.of(LabelledRows.readCsv(in, HELD_OUT, false, 1 / 16.0).features());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Judges the held-out digits, then blends of neighbouring pairs, with the model's pipeline until both pools are full. */
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
        try (ModelPipeline certifier = new ModelPipeline(repository.load(model, version, Device.cpu()),
                        new PipelineOptions(false, true, false, false, 0));
                ModelPipeline attacker = new ModelPipeline(repository.load(model, version, Device.cpu()),
                        new PipelineOptions(false, false, false, true, 0))) {
            for (int from = 0; from < candidates.size(); from += CHUNK) {
                boolean stableWanted = stable.size() < STABLE_POOL && from < digits.size();
                if (!stableWanted && unstable.size() >= UNSTABLE_POOL) {
                    break;
                }
                List<float[]> chunk = candidates.subList(from, Math.min(from + CHUNK, candidates.size()));
                List<Evaluation> judged = certifier.evaluate(chunk.toArray(float[][]::new));
                List<float[]> uncertified = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    if (!judged.get(i).topkCertified()) {
                        uncertified.add(chunk.get(i));
                    } else if (from + i < digits.size() && stable.size() < STABLE_POOL) {
                        stable.add(chunk.get(i));
                        stableClasses.add(judged.get(i).predicted());
                    }
                }
                if (unstable.size() < UNSTABLE_POOL && !uncertified.isEmpty()) {
                    List<Evaluation> attacked = attacker.evaluate(uncertified.toArray(float[][]::new));
                    for (int i = 0; i < uncertified.size() && unstable.size() < UNSTABLE_POOL; i++) {
                        if (attacked.get(i).empirical().attack().success()) {
                            unstable.add(uncertified.get(i));
                            unstableClasses.add(attacked.get(i).predicted());
                        }
                    }
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
