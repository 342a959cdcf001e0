set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table14-loss.svg"
set multiplot layout 1,3 title "Table 14: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "top-1 without s"
plot "docs/results/reference/figures/table14-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table14-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table14-loss-b8d9fa00f2c04a9d.dat" using 1:2 with lines lt 3 dt 1 title "satursin(x)", "docs/results/reference/figures/table14-loss-86c28ec133ddc03f.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)", "docs/results/reference/figures/table14-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 5 dt 1 title "arctan(x)", "docs/results/reference/figures/table14-loss-8a82cc60d50e8a98.dat" using 1:2 with lines lt 6 dt 1 title "arcsinh_clip(x)"
set title "top-1 with s"
plot "docs/results/reference/figures/table14-loss-6579d61909f325d6.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table14-loss-6ffcd15fa6a22214.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table14-loss-b3a29c9a1bb3d2cd.dat" using 1:2 with lines lt 3 dt 1 title "satursin(x)", "docs/results/reference/figures/table14-loss-6fe2e8a324179fff.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)", "docs/results/reference/figures/table14-loss-4051230bcc5bf3aa.dat" using 1:2 with lines lt 5 dt 1 title "arctan(x)", "docs/results/reference/figures/table14-loss-0a6aeb077f769078.dat" using 1:2 with lines lt 6 dt 1 title "arcsinh_clip(x)"
set title "FID with s"
plot "docs/results/reference/figures/table14-loss-556dc8d3368c7bb4.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table14-loss-c1d54d086d6f692a.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table14-loss-1a4772122bad4549.dat" using 1:2 with lines lt 3 dt 1 title "satursin(x)", "docs/results/reference/figures/table14-loss-83872b8740115b77.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)", "docs/results/reference/figures/table14-loss-809be9b0be43d958.dat" using 1:2 with lines lt 5 dt 1 title "arctan(x)", "docs/results/reference/figures/table14-loss-2d315dfa1431cfca.dat" using 1:2 with lines lt 6 dt 1 title "arcsinh_clip(x)"
unset multiplot
