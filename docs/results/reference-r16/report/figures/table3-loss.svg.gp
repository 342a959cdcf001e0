set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference-r16/report/figures/table3-loss.svg"
set multiplot layout 1,3 title "Table 3: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "—"
plot "docs/results/reference-r16/report/figures/table3-loss-b85395155b0ad3ac.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference-r16/report/figures/table3-loss-a3c101fc32e4ef52.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference-r16/report/figures/table3-loss-390599505dd088d8.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference-r16/report/figures/table3-loss-f79cbe21f74bf0e5.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
set title "0.01"
plot "docs/results/reference-r16/report/figures/table3-loss-8ce3825c31753922.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference-r16/report/figures/table3-loss-cd150dc3be57efef.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference-r16/report/figures/table3-loss-7ccaf6b2cd6054d5.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference-r16/report/figures/table3-loss-a451cfedfd24ee9e.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
set title "0.1"
plot "docs/results/reference-r16/report/figures/table3-loss-ab205a9adadc4358.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference-r16/report/figures/table3-loss-aa9ec886342e5648.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference-r16/report/figures/table3-loss-d5c7373716ca468f.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference-r16/report/figures/table3-loss-746b2a93065af68c.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
unset multiplot
