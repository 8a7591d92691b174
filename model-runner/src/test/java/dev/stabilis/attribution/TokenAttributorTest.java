package dev.stabilis.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Export;
import dev.stabilis.graph.EmbeddingLookup;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model that takes token ids is explained on its embedded vectors, with one attribution per token summed over the
 * embedding axis; checked against torch autograd on the embedding output (tools/fixtures/make_exports.py).
 */
class TokenAttributorTest {

    private static final Export TEXT = Export.load("token_classifier");
    private static EmbeddingLookup lookup;
    private static GraphModel model;

    @BeforeAll
    static void load() {
        OnnxImporter.Imported imported = OnnxImporter.load(TEXT.onnx(), "/embed/Gather");
        lookup = imported.embedding().orElseThrow();
        model = GraphModel.load(imported.graph(), Device.cpu(), DataType.FLOAT64);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void saliencyIsTorchsGradientAtTheEmbeddingAndEachTokenGetsTheSumOfItsRow() {
        JsonNode samples = TEXT.reference().get("samples");
        List<TokenAttributor.TokenExplanation> explained = attributor(new Saliency()).explain(ids(samples), null);

        for (int s = 0; s < samples.size(); s++) {
            JsonNode sample = samples.get(s);
            double[] gradient = Export.doubles(sample.get("gradient"));
            double scale = 0;
            for (double g : gradient) {
                scale = Math.max(scale, Math.abs(g));
            }
            TokenAttributor.TokenExplanation e = explained.get(s);
            assertThat(e.embedded().predicted()).isEqualTo(sample.get("predicted").asInt());
            for (int i = 0; i < gradient.length; i++) {
                assertThat((double) e.embedded().attribution()[i]).as("sample %d, ∂s/∂e[%d]", s, i)
                        .isCloseTo(gradient[i], within(1e-4 * scale));
            }
            assertThat(e.perToken()).hasSize(lookup.tokens());
            for (int t = 0; t < lookup.tokens(); t++) {
                double row = 0;
                for (int j = 0; j < lookup.dimension(); j++) {
                    row += gradient[t * lookup.dimension() + j];
                }
                assertThat((double) e.perToken()[t]).as("sample %d, token %d", s, t).isCloseTo(row, within(1e-4 * scale));
            }
        }
    }

    @Test
    void integratedGradientsPerTokenSumToTheScoreChangeFromTheZeroEmbedding() {
        List<TokenAttributor.TokenExplanation> explained = attributor(new IntegratedGradients(64, null))
                .explain(ids(TEXT.reference().get("samples")), null);
        for (TokenAttributor.TokenExplanation e : explained) {
            double total = 0;
            for (float value : e.perToken()) {
                total += value;
            }
            assertThat(e.embedded().relativeCompletenessGap()).as("IG completeness in embedding space").isLessThan(0.01);
            assertThat(Math.abs(total - e.embedded().scoreDelta())).as("per-token IG against s(x) − s(0)")
                    .isLessThan(0.01 * Math.abs(e.embedded().scoreDelta()));
        }
    }

    @Test
    void aSampleWithAnIdOutsideTheVocabularyIsRefusedByNumber() {
        float[][] ids = {{0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 99}};
        assertThatThrownBy(() -> attributor(new Saliency()).explain(ids, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sample 1: token 5 has id 99.0, not a whole number in [-16, 16)");
    }

    private static TokenAttributor attributor(Explainer explainer) {
        return new TokenAttributor(lookup, new Attributor(model, explainer, TargetKind.LOGIT, Attributor.DEFAULT_MAX_ROWS_PER_PASS));
    }

    private static float[][] ids(JsonNode samples) {
        float[][] out = new float[samples.size()][];
        for (int s = 0; s < out.length; s++) {
            double[] ids = Export.doubles(samples.get(s).get("ids"));
            out[s] = new float[ids.length];
            for (int t = 0; t < ids.length; t++) {
                out[s][t] = (float) ids[t];
            }
        }
        return out;
    }
}
