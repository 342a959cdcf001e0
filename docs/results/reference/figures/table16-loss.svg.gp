set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table16-loss.svg"
set multiplot layout 1,3 title "Table 16: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "ViT-B top-1"
plot "docs/results/reference/figures/table16-loss-6ffcd15fa6a22214.dat" using 1:2 with lines lt 1 dt 1 title "tanh(x)", "docs/results/reference/figures/table16-loss-8fff8e5eb36c62e1.dat" using 1:2 with lines lt 2 dt 1 title "tanh(1.205 * x)", "docs/results/reference/figures/table16-loss-6579d61909f325d6.dat" using 1:2 with lines lt 3 dt 1 title "erf(x)"
set title "ViT-L top-1"
plot "docs/results/reference/figures/table16-loss-e9f36093024c6d42.dat" using 1:2 with lines lt 1 dt 1 title "tanh(x)", "docs/results/reference/figures/table16-loss-cf98c3cf96fc0b93.dat" using 1:2 with lines lt 2 dt 1 title "tanh(1.205 * x)", "docs/results/reference/figures/table16-loss-50e34b88ae81643c.dat" using 1:2 with lines lt 3 dt 1 title "erf(x)"
set title "DiT-B FID"
plot "docs/results/reference/figures/table16-loss-c1d54d086d6f692a.dat" using 1:2 with lines lt 1 dt 1 title "tanh(x)", "docs/results/reference/figures/table16-loss-556dc8d3368c7bb4.dat" using 1:2 with lines lt 2 dt 1 title "erf(x)"
unset multiplot
